"""Download imported images into Wagtail's image library (never hot-link partners' files)."""

import hashlib
import logging
from io import BytesIO
from urllib.parse import urlparse

import requests
from django.conf import settings
from django.core.files.images import ImageFile
from wagtail.images import get_image_model

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 8 * 1024 * 1024
ALLOWED_FORMATS = {"jpeg", "png", "gif", "webp"}


def fetch_image(url: str, *, title: str = "", timeout: float = 10.0):
    """Download `url` once and return a Wagtail image, or None with a logged reason.

    Images are keyed by a hash of their URL so a re-harvest reuses the same file.
    """
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https"):
        return None
    Image = get_image_model()
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    existing = Image.objects.filter(title__endswith=f"[{key}]").first()
    if existing is not None:
        return existing
    try:
        response = requests.get(
            url,
            timeout=timeout,
            stream=True,
            headers={"User-Agent": getattr(settings, "HARVEST_USER_AGENT", "CarrefourBot")},
        )
        response.raise_for_status()
        data = BytesIO()
        for chunk in response.iter_content(64 * 1024):
            data.write(chunk)
            if data.tell() > MAX_IMAGE_BYTES:
                logger.warning("Image too large, skipped: %s", url)
                return None
    except requests.RequestException as error:
        logger.info("Image not downloaded (%s): %s", error.__class__.__name__, url)
        return None
    try:
        from PIL import Image as PILImage

        data.seek(0)
        with PILImage.open(data) as probe:
            probe.verify()
            image_format = (probe.format or "").lower()
    except Exception:  # noqa: BLE001 - any decoding error means "not an image"
        logger.info("Not a valid image, skipped: %s", url)
        return None
    if image_format not in ALLOWED_FORMATS:
        return None
    data.seek(0)
    name = (parsed.path.rsplit("/", 1)[-1] or "image")[:80]
    label = (title or name)[:200]
    image = Image(title=f"{label} [{key}]", file=ImageFile(data, name=name))
    image.save()
    return image
