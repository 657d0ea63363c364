"""Faults: the database gone mid-request answers a 503 page (no traceback, no database needed),
other errors keep their 500; a full disk while writing the dumps keeps the previous files; a
worker killed mid-task has its task retried once and completed once."""

import contextlib
import errno
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.test import Client

from catalogue import background, opendata, services
from catalogue.records import ProjectRecord
from tests.importers.harvesting import REPO, manage_cmd, manage_env

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
    """A stream whose disk fills after `room` characters or bytes (OSError ENOSPC)."""

    def __init__(self, stream, room):
        self.stream, self.room = stream, room

    def write(self, text):
        self.room -= len(text)
        if self.room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.stream.write(text)

    def close(self):
        self.stream.close()

    def flush(self):
        self.stream.flush()

    def fileno(self):
        return self.stream.fileno()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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


# --- a worker killed mid-task -------------------------------------------------------------------


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _starts(marks: Path) -> list[int]:
    if not marks.exists():
        return []
    return [
        int(line.split()[1]) for line in marks.read_text().splitlines() if line.startswith("start")
    ]


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_task_is_retried_once_and_completes_once(tmp_path):
    """A real django-q2 cluster (ORM broker) on the test database: the worker running the task
    is killed with SIGKILL; the broker hands the task out again once its lock expires, the new
    worker completes it, and its result is recorded once."""
    from django_q.models import OrmQ, Task
    from django_q.tasks import async_task

    from catalogue.models import TaskDelivery

    task_id = async_task("tests.fault_tasks.record_then_wait", str(tmp_path), sync=False)
    connection.close()  # SQLite: no handle of ours in the way of the cluster's writes
    env = {
        **manage_env(),
        "Q_SYNC": "0",
        "Q_WORKERS": "1",
        "Q_TIMEOUT": "60",
        "Q_RETRY": "6",  # the killed task's lock expires after 6 s
    }
    cluster = subprocess.Popen(
        manage_cmd("qcluster"),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    marks = tmp_path / "marks"
    try:
        first_worker = _wait_for(lambda: _starts(marks), 120, "the task to start")[0]
        os.kill(first_worker, signal.SIGKILL)
        _wait_for(lambda: "done" in marks.read_text(), 120, "the retried task to finish")
        task = _wait_for(
            lambda: Task.objects.filter(id=task_id, success=True).first(), 60, "its result"
        )
    finally:
        # The cluster's own process stops its workers (under a second); a SIGTERM to the
        # whole group reached them first and the sentinel then waited 30 s for them.
        os.kill(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()
            cluster.wait()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(cluster.pid, signal.SIGKILL)  # nothing of it left behind
    starts = _starts(marks)
    assert len(starts) == 2 and starts[0] != starts[1]  # retried once, by another worker
    assert marks.read_text().count("done") == 1
    assert (tmp_path / "result").read_text() == "complete"
    assert not (tmp_path / "result.tmp").exists()
    assert task.result == "fait" and task.attempt_count == 1
    assert Task.objects.filter(id=task_id).count() == 1
    assert not OrmQ.objects.exists()  # acknowledged: never handed out a third time
    assert TaskDelivery.objects.get(task_id=task_id).deliveries == 2


def test_a_task_whose_workers_keep_dying_is_abandoned_at_the_third_delivery(tmp_path):
    """Deliveries are counted when a worker starts a task; the third one is acknowledged and
    refused (django-q2's max_attempts only counts attempts that ended)."""
    from django_q.brokers import get_broker
    from django_q.models import OrmQ

    from tests.fault_tasks import record_then_wait

    broker = get_broker()
    ack_id = broker.enqueue("payload")
    task = {"id": "t" * 32, "name": "essai", "ack_id": ack_id}
    (tmp_path / "marks").write_text("start 1\n")
    for _ in range(2):
        background.count_delivery(func=record_then_wait, task=task)
    assert record_then_wait(str(tmp_path)) == "fait"  # the retry runs
    background.count_delivery(func=record_then_wait, task=task)
    with pytest.raises(background.TaskAbandoned):
        record_then_wait(str(tmp_path))
    assert record_then_wait(str(tmp_path)) == "fait"  # a direct call is no delivery
    assert not OrmQ.objects.filter(pk=ack_id).exists()
    assert (tmp_path / "marks").read_text().count("start") == 3


# --- a full disk while writing images -----------------------------------------------------------


def full_disk(monkeypatch, room: int) -> None:
    """Media files: the disk fills after `room` bytes of any file written from now on."""
    from catalogue import storage

    fdopen = os.fdopen
    monkeypatch.setattr(
        storage.os, "fdopen", lambda *a, **kw: _FullDisk(fdopen(*a, **kw), room=room)
    )


def _media_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_disk_full_while_writing_an_image_keeps_the_previous_files(tmp_path, settings, monkeypatch):
    """Every media write goes to a temporary file renamed into place: ENOSPC half-way leaves
    the previous files as they were, no partial file, no image row, and a clear error."""
    from django.core.files.base import ContentFile
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    from catalogue.storage import StorageFull

    settings.MEDIA_ROOT = str(tmp_path)
    Image = get_image_model()
    png = get_test_image_file().file.getvalue()
    previous = Image(title="Logo", file=ImageFile(ContentFile(png), name="logo.png"))
    previous.save()
    before = _media_files(tmp_path)
    assert len(before) == 1
    full_disk(monkeypatch, room=100)
    with pytest.raises(StorageFull) as raised, transaction.atomic():
        Image(title="Logo 2", file=ImageFile(ContentFile(png), name="logo.png")).save()
    assert raised.value.errno == errno.ENOSPC and "logo" in str(raised.value)
    assert _media_files(tmp_path) == before  # the previous file whole, nothing partial
    assert list(Image.objects.values_list("title", flat=True)) == ["Logo"]
    previous.refresh_from_db()
    with previous.file.open("rb") as stored:
        assert stored.read() == before[previous.file.name]
