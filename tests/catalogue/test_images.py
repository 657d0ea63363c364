"""Imported images are downloaded into the image library, never hot-linked."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from catalogue import images, services
from catalogue.records import ProjectRecord

PNG = get_test_image_file().file.getvalue()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        routes = {
            "/logo.png": (200, "image/png", PNG),
            "/not-an-image.png": (200, "image/png", b"<html>hello</html>"),
            "/missing.png": (404, "text/plain", b"not found"),
            "/huge.png": (200, "image/png", PNG + b"\0" * (images.MAX_IMAGE_BYTES + 1)),
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
    assert first is not None and first.file.size == len(PNG)
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
