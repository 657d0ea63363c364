"""Images from outside: downloaded through the outgoing guard, size-capped, re-encoded.

Every image the site stores (a harvested one, a holder's upload, an editor's upload in the
Wagtail admin) is decoded once and written again by Pillow (`reencode`, from a ``pre_save``
signal on Wagtail's image model): nothing of the original bytes survives, so a GIF that is
also an HTML page, a trailing script or EXIF/GPS metadata are gone. The pixel count is read
from the header and refused above ``IMAGE_MAX_PIXELS`` before anything is decoded (a 14 KB
PNG can claim 121 Mpx and take 600 MB to open).
"""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO
from urllib.parse import urlparse

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.translation import gettext
from wagtail.images import get_image_model
from wagtail.utils.file import hash_filelike

from .netguard import GuardedSession, RefusedAddress

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 8 * 1024 * 1024
ALLOWED_FORMATS = {"jpeg", "png", "gif", "webp"}


class ImageRejected(ValueError):
    """Not an image the site keeps; the message says why, in French."""


def max_pixels() -> int:
    return int(getattr(settings, "IMAGE_MAX_PIXELS", 40_000_000))


def reencode(data: bytes, name: str = "image") -> tuple[bytes, str]:
    """The image in `data` decoded and written again (first frame only; PNG when it has
    transparency, JPEG otherwise), with its new file name. Raises `ImageRejected`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(BytesIO(data)) as probe:  # reads the header only
            image_format = (probe.format or "").lower()
            width, height = probe.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(gettext("Ce fichier n'est pas une image lisible.")) from error
    except Image.DecompressionBombError as error:
        raise ImageRejected(gettext("Image trop grande (en pixels).")) from error
    if image_format not in ALLOWED_FORMATS:
        raise ImageRejected(gettext("Formats acceptés : JPEG, PNG, GIF ou WebP."))
    if width * height > max_pixels():
        raise ImageRejected(
            gettext(
                "Image trop grande : %(width)s × %(height)s pixels (%(millions)s millions au plus)."
            )
            % {"width": width, "height": height, "millions": max_pixels() // 1_000_000}
        )
    try:
        with Image.open(BytesIO(data)) as image:
            image.seek(0)
            frame = ImageOps.exif_transpose(image)
            transparent = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
            frame = frame.convert("RGBA" if transparent else "RGB")
            # Pixels only: nothing of the original (comments, EXIF, ICC, XMP) is carried over.
            frame = Image.frombytes(frame.mode, frame.size, frame.tobytes())
            out = BytesIO()
            if transparent:
                frame.save(out, "PNG", optimize=True)
            else:
                frame.save(out, "JPEG", quality=88, optimize=True)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ImageRejected(gettext("Ce fichier n'est pas une image lisible.")) from error
    stem = (name.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "image")[:80]
    return out.getvalue(), f"{stem}.{'png' if transparent else 'jpg'}"


def reencode_on_save(sender, instance, **kwargs):
    """``pre_save`` of Wagtail's image model: a new file is re-encoded before it is stored
    (admin uploads, holders' uploads, harvested images alike)."""
    file = instance.file
    if not file or getattr(file, "_committed", True) or getattr(instance, "_reencoded", False):
        return  # nothing new to store, or re-encoded already (`fetch_image`)
    file.seek(0)
    data = file.read()
    try:
        clean, name = reencode(data, getattr(file, "name", "") or "image")
    except ImageRejected as error:
        from django.core.exceptions import ValidationError

        raise ValidationError({"file": str(error)}) from error
    instance.file = ImageFile(ContentFile(clean), name=name)
    instance.file_size = len(clean)
    instance.file_hash = hash_filelike(BytesIO(clean))
    from PIL import Image

    with Image.open(BytesIO(clean)) as probe:
        instance.width, instance.height = probe.size


def fetch_image(url: str, *, title: str = "", timeout: float = 10.0):
    """Download `url` once and return a Wagtail image, or None with a logged reason.

    Images are keyed by a hash of their URL so a re-harvest reuses the same file. The request
    and each of its redirects go through the outgoing guard (no internal address).
    """
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https"):
        return None
    Image = get_image_model()
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    existing = Image.objects.filter(title__endswith=f"[{key}]").first()
    if existing is not None:
        return existing
    data = BytesIO()
    try:
        with GuardedSession(max_redirects=5) as session:
            response = session.get(
                url,
                timeout=timeout,
                stream=True,
                headers={"User-Agent": getattr(settings, "HARVEST_USER_AGENT", "CarrefourBot")},
            )
            response.raise_for_status()
            for chunk in response.iter_content(64 * 1024):
                data.write(chunk)
                if data.tell() > MAX_IMAGE_BYTES:
                    logger.warning("Image too large, skipped: %s", url)
                    return None
    except RefusedAddress as error:
        logger.warning("Image refused by the outgoing guard (%s): %s", error, url)
        return None
    except requests.RequestException as error:
        logger.info("Image not downloaded (%s): %s", error.__class__.__name__, url)
        return None
    name = (parsed.path.rsplit("/", 1)[-1] or "image")[:80]
    try:
        clean, name = reencode(data.getvalue(), name)
    except ImageRejected as error:
        logger.info("Image skipped (%s): %s", error, url)
        return None
    label = (title or name)[:200]
    image = Image(title=f"{label} [{key}]", file=ImageFile(ContentFile(clean), name=name))
    image._reencoded = True
    image.file_size, image.file_hash = len(clean), hash_filelike(BytesIO(clean))
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction goes on
            image.save()
    except OSError as error:  # disk full: nothing was kept (catalogue.storage), the run goes on
        logger.error("Image not stored (%s): %s", error, url)
        return None
    return image
