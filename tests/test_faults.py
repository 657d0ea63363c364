"""Faults: the database gone mid-request answers a 503 page (no traceback, no database needed),
other errors keep their 500."""

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from catalogue import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
)
def test_database_gone_mid_request_answers_503(monkeypatch, error):
    services.ensure_site_tree()
    client = Client(raise_request_exception=False)
    assert client.get("/").status_code == 200

    def gone(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(CursorWrapper, "execute", gone)
    monkeypatch.setattr(CursorWrapper, "executemany", gone)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Service momentanément indisponible" in html
    assert "Traceback" not in html and "server closed" not in html
    assert "Content-Security-Policy" in response


def test_other_errors_keep_the_500_page(monkeypatch):
    services.ensure_site_tree()
    client = Client(raise_request_exception=False)

    def broken(self, *args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
