"""Imported images are downloaded into the image library, never hot-linked."""

import functools
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageFile as PILImageFile
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from catalogue import images, services
from catalogue.records import ProjectRecord

PNG = get_test_image_file().file.getvalue()
HTML = b"<html><body><script>alert(document.domain)</script></body></html>"


@functools.cache
def bomb_png() -> bytes:
    """A 14 KB PNG of 11,000 x 11,000 pixels (121 Mpx: 600 MB once decoded)."""
    out = io.BytesIO()
    PILImage.new("1", (11_000, 11_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


@functools.cache
def polyglot_gif() -> bytes:
    """A valid GIF that is also an HTML page (browsers sniffing it would run the script)."""
    out = io.BytesIO()
    PILImage.new("P", (40, 30), 3).save(out, "GIF", comment=HTML)
    return out.getvalue() + HTML


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        routes = {
            "/logo.png": (200, "image/png", PNG),
            "/not-an-image.png": (200, "image/png", b"<html>hello</html>"),
            "/missing.png": (404, "text/plain", b"not found"),
            "/huge.png": (200, "image/png", PNG + b"\0" * (images.MAX_IMAGE_BYTES + 1)),
            "/bomb.png": (200, "image/png", bomb_png()),
            "/polyglot.gif": (200, "image/gif", polyglot_gif()),
        }
        status, content_type, body = routes.get(self.path, (404, "text/plain", b""))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def image_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.django_db
def test_image_is_downloaded_once_and_reused(image_server):
    first = images.fetch_image(f"{image_server}/logo.png", title="Logo")
    assert first is not None and (first.width, first.height) == PILImage.open(io.BytesIO(PNG)).size
    first.file.open()
    assert first.file.read() != PNG  # re-encoded, not stored as received
    again = images.fetch_image(f"{image_server}/logo.png", title="Logo")
    assert again.pk == first.pk
    assert Image.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/not-an-image.png", "/missing.png", "/huge.png", "javascript:alert(1)"]
)
def test_bad_images_are_skipped_without_error(image_server, path):
    url = path if ":" in path else f"{image_server}{path}"
    assert images.fetch_image(url) is None
    assert Image.objects.count() == 0


@pytest.mark.django_db
def test_project_image_comes_from_the_library_not_the_partner(site_tree, image_server):
    record = ProjectRecord(title="Accorderie", source_id="1", image_url=f"{image_server}/logo.png")
    page = services.upsert_project(
        record, source_key="Apriles", image_fetcher=images.fetch_image
    ).page
    page.refresh_from_db()
    assert page.image is not None
    assert image_server not in page.image.file.url


def stored_bytes(image) -> bytes:
    image.file.open()
    try:
        return image.file.read()
    finally:
        image.file.close()


def assert_clean(image):
    data = stored_bytes(image)
    assert b"<script" not in data and b"<html" not in data and not data.startswith(b"GIF")
    with PILImage.open(io.BytesIO(data)) as decoded:
        assert decoded.format in ("JPEG", "PNG") and decoded.size == (image.width, image.height)
    assert image.file_size == len(data)


def test_bomb_is_refused_from_its_header_and_polyglot_re_encoded(monkeypatch):
    def never_decode(self, *args, **kwargs):
        raise AssertionError("the bomb's pixels were decoded")

    with monkeypatch.context() as patched:
        patched.setattr(PILImage.Image, "load", never_decode)
        patched.setattr(PILImageFile.ImageFile, "load", never_decode)
        patched.setattr(PILImage.Image, "tobytes", never_decode)
        with pytest.raises(images.ImageRejected, match="trop grande"):
            images.reencode(bomb_png(), "bomb.png")  # refused from its header alone
    data, name = images.reencode(polyglot_gif(), "x.gif")
    assert name == "x.jpg" and b"<script" not in data


@pytest.mark.django_db
def test_harvested_bomb_skipped_and_polyglot_re_encoded(image_server):
    assert images.fetch_image(f"{image_server}/bomb.png") is None
    assert_clean(images.fetch_image(f"{image_server}/polyglot.gif"))


@pytest.mark.django_db
def test_every_stored_image_is_re_encoded_whoever_uploads_it(client, site_tree):
    """Holders' uploads and any code creating an image go through the model's pre_save;
    the Wagtail admin's upload refuses the bomb and stores the polyglot re-encoded."""
    from django.contrib.auth import get_user_model

    from community.holder_forms import HolderEditForm

    form = HolderEditForm(
        data={}, files={"image": SimpleUploadedFile("b.png", bomb_png(), "image/png")}
    )
    assert not form.is_valid() and "image" in form.errors
    direct = Image(title="porteur", file=SimpleUploadedFile("p.gif", polyglot_gif()))
    direct.save()
    assert_clean(direct)
    # Pillow's own cap (set from IMAGE_MAX_PIXELS) refuses it as soon as its size is read.
    with pytest.raises((ValidationError, PILImage.DecompressionBombError)):
        Image(title="bombe", file=SimpleUploadedFile("b.png", bomb_png())).save()

    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(admin)
    url = reverse("wagtailimages:add")
    response = client.post(
        url, {"title": "bombe", "file": SimpleUploadedFile("b.png", bomb_png(), "image/png")}
    )
    assert response.status_code == 200 and not Image.objects.filter(title="bombe").exists()
    response = client.post(
        url, {"title": "gif", "file": SimpleUploadedFile("g.gif", polyglot_gif(), "image/gif")}
    )
    assert response.status_code == 302, response.content[:500]
    assert_clean(Image.objects.get(title="gif"))


@pytest.mark.django_db
def test_disk_full_while_harvesting_an_image_keeps_nothing_partial(
    image_server, settings, tmp_path, monkeypatch
):
    """ENOSPC while a harvested image is written: no image (logged), no partial file, the
    harvest's transaction goes on."""
    from tests.test_faults import _media_files, full_disk

    settings.MEDIA_ROOT = str(tmp_path)
    full_disk(monkeypatch, room=100)
    assert images.fetch_image(f"{image_server}/logo.png", title="Logo") is None
    assert not Image.objects.filter(title__startswith="Logo").exists()
    assert _media_files(tmp_path) == {}
