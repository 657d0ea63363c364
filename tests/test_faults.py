"""Faults: the database gone mid-request answers a 503 page (no traceback, no database needed),
other errors keep their 500; a full disk while writing the dumps keeps the previous files."""

import errno
import os

import pytest
from django.db import InterfaceError, OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from catalogue import opendata, services
from catalogue.records import ProjectRecord

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


class _FullDisk:
    """A text stream whose disk fills after `room` characters (OSError ENOSPC)."""

    def __init__(self, stream, room):
        self.stream, self.room = stream, room

    def write(self, text):
        self.room -= len(text)
        if self.room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.stream.write(text)

    def close(self):
        self.stream.close()


def test_disk_full_while_writing_dumps_keeps_the_previous_files(tmp_path, monkeypatch):
    services.ensure_site_tree()
    for n in range(3):
        record = ProjectRecord(
            title=f"Projet {n}", source_id=str(n), source_url=f"https://p.example/{n}"
        )
        services.upsert_project(record, source_key="Essai")
    written = opendata.write_dumps(tmp_path)
    before = {fmt: path.read_bytes() for fmt, path in written.items()}
    fdopen = os.fdopen
    monkeypatch.setattr(
        opendata.os, "fdopen", lambda *a, **kw: _FullDisk(fdopen(*a, **kw), room=200)
    )
    with pytest.raises(OSError) as raised:
        opendata.write_dumps(tmp_path)
    assert raised.value.errno == errno.ENOSPC
    assert {fmt: path.read_bytes() for fmt, path in written.items()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(opendata.DUMP_NAMES.values())
