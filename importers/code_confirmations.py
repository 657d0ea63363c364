"""Confirming suggested codes in bulk, in the background (django-q2).

The admin screen (`importers.admin_suggestions`) writes the keyword rules itself (one row each,
at once) and hands the coding of the pages — a revision per page, minutes for thousands — to
`run_confirmation`, queued by dotted path like every task. The job (`CodeConfirmation`) says
what to code and how far the task got, so the screen shows its progress and a retried task
(its worker died: `catalogue.background.retried_once`) resumes where it stopped.

Idempotent: queueing what is already queued or running returns that job; a job run again does
nothing more (a page that has its codes counts as unchanged, settled suggestions are gone).
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.utils import timezone

from catalogue import services
from catalogue.background import retried_once
from importers.models import CodeConfirmation

logger = logging.getLogger(__name__)

TASK = "importers.code_confirmations.run_confirmation"
#: Pages coded between two saves of the job's progress.
CHUNK = 25
#: Jobs shown on the admin screen.
RECENT = 5


def _fingerprint(rows: list[dict]) -> str:
    identity = sorted(
        (r["source_key"], r["keyword_key"], r.get("suggested", ""), sorted(r["codes"]))
        for r in rows
    )
    return hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode()).hexdigest()


def queue(rows: list[dict], user=None) -> tuple[CodeConfirmation | None, bool]:
    """Queue the coding of these rows' pages: (job, whether it is new). Rows without pages
    are dropped; the same rows queued or running already give that job back."""
    from django_q.tasks import async_task

    rows = [r for r in rows if r.get("pages") and r.get("codes")]
    if not rows:
        return None, False
    fingerprint = _fingerprint(rows)
    pending = CodeConfirmation.objects.filter(
        fingerprint=fingerprint, status__in=[CodeConfirmation.QUEUED, CodeConfirmation.RUNNING]
    ).first()
    if pending is not None:
        return pending, False
    job = CodeConfirmation.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        rows=rows,
        fingerprint=fingerprint,
        pages_total=sum(len(r["pages"]) for r in rows),
    )
    task_id = async_task(TASK, job.pk, task_name=f"codes-confirmation-{job.pk}", group="codes")
    CodeConfirmation.objects.filter(pk=job.pk, task_id="").update(task_id=str(task_id or "")[:64])
    job.refresh_from_db()
    return job, True


def _add(counts: dict, more: dict) -> dict:
    return {k: counts.get(k, 0) + more.get(k, 0) for k in ("coded", "unchanged", "curated")}


def _run_row(job: CodeConfirmation, row: dict, skip: int) -> None:
    """Code one row's pages (after the first `skip`, done by a previous delivery), saving the
    progress every CHUNK pages; then settle the row's suggestions."""
    pages = row["pages"]
    for start in range(skip, len(pages), CHUNK):
        chunk = pages[start : start + CHUNK]
        counts = services.confirm_codes(chunk, row["codes"], user=job.user)
        job.counts = _add(job.counts, counts)
        job.pages_done += len(chunk)
        job.save(update_fields=["counts", "pages_done"])
    # An editor's correction settles what the row suggested, the codes not kept included.
    suggested = [row["suggested"]] if row.get("suggested") else None
    services.settle_suggestions(row["source_key"], row["keyword_key"], pages, suggested)


@retried_once
def run_confirmation(job_id: int) -> dict:
    """The task: code every row's pages, resuming after the rows and pages already done."""
    job = CodeConfirmation.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status == CodeConfirmation.DONE:
        return {"job": job_id, "status": "done" if job else "missing"}
    job.status, job.error = CodeConfirmation.RUNNING, ""
    job.save(update_fields=["status", "error"])
    try:
        before = sum(len(r["pages"]) for r in job.rows[: job.rows_done])
        for index in range(job.rows_done, len(job.rows)):
            row = job.rows[index]
            _run_row(job, row, skip=max(0, job.pages_done - before))
            before += len(row["pages"])
            job.rows_done = index + 1
            job.save(update_fields=["rows_done"])
    except Exception as error:
        logger.exception("Confirmation of suggested codes %s failed", job_id)
        job.status, job.error = CodeConfirmation.FAILED, str(error)[:2000]
        job.save(update_fields=["status", "error"])
        raise
    job.status, job.finished_at = CodeConfirmation.DONE, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return {"job": job_id, "status": "done", **job.counts}


def recent_jobs() -> list[CodeConfirmation]:
    return list(CodeConfirmation.objects.select_related("user")[:RECENT])
