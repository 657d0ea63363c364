"""django-q2 tasks: each harvest runs `manage.py harvest` in its own process.

The Twisted reactor cannot restart within a process, and a crash (or a memory leak) of one
crawl must not take the worker, or the other sources, with it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from catalogue.background import retried_once

logger = logging.getLogger(__name__)

MANAGE = Path(settings.BASE_DIR) / "manage.py"
#: Hard ceiling of one harvest subprocess (the django-q2 task timeout is the other guard).
HARVEST_TIMEOUT = int(os.environ.get("HARVEST_TIMEOUT", 3 * 3600))


def _die_with_parent() -> None:
    """In the harvest subprocess: killed with the worker that started it (Linux), so a worker
    killed mid-task leaves no orphan crawl beside the retry (which resumes the interrupted run)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere: the retry waits for the orphan (HarvestBusy) instead


def harvest_command(name: str, *, trigger: str = "schedule", limit: int | None = None):
    cmd = [sys.executable, str(MANAGE), "harvest", name, "--trigger", trigger, "--no-progress"]
    if limit:
        cmd += ["--limit", str(limit)]
    return cmd


@retried_once
def harvest_source(source_id: int, trigger: str = "schedule", limit: int | None = None) -> dict:
    """Run one source in a subprocess; returns its exit code and the tail of its output."""
    from importers.models import Source

    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return {"source": source_id, "returncode": None, "output": "source supprimée"}
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "")}
    if not env["DJANGO_SETTINGS_MODULE"]:
        env.pop("DJANGO_SETTINGS_MODULE")
    try:
        proc = subprocess.run(
            harvest_command(source.name, trigger=trigger, limit=limit),
            cwd=str(MANAGE.parent),
            env=env,
            capture_output=True,
            text=True,
            timeout=HARVEST_TIMEOUT,
            check=False,
            preexec_fn=_die_with_parent,
        )
    except subprocess.TimeoutExpired as error:
        logger.error("Harvest of %s timed out after %ss", source.name, error.timeout)
        return {"source": source.name, "returncode": None, "output": "délai dépassé"}
    if proc.returncode != 0:
        logger.error(
            "Harvest of %s exited with %s: %s", source.name, proc.returncode, proc.stderr[-2000:]
        )
    return {
        "source": source.name,
        "returncode": proc.returncode,
        "output": (proc.stdout[-2000:] + proc.stderr[-2000:]).strip(),
    }


def enqueue_harvest(source, *, trigger: str = "admin", limit: int | None = None) -> str:
    """Queue a run now (the admin's "run now"); returns the django-q2 task id."""
    from django_q.tasks import async_task

    return async_task(
        "importers.tasks.harvest_source",
        source.pk,
        trigger,
        limit,
        task_name=f"harvest {source.name}"[:100],
        group="harvest",
    )
