"""Background tasks (django-q2): a task whose worker is killed mid-run is retried once.

With the ORM broker (and Redis-less deployments) a task stays in the queue, locked for
``Q_CLUSTER["retry"]`` seconds, until the cluster's monitor acknowledges its result. A worker
killed mid-task (``kill -9``, out of memory, a reboot) acknowledges nothing, so the broker
hands the task out again once the lock expires. django-q2's ``max_attempts`` counts only the
attempts that ended (raised or returned); a death ends nothing and would be retried forever.
So every delivery is counted here when a worker starts the task (``pre_execute``), and a task
marked `retried_once` refuses a third delivery: it is acknowledged, logged and saved as failed.

Tasks are idempotent, so running one again after a death half-way writes nothing twice: a
harvest resumes its interrupted run (whole pages only), the dumps are written to temporary files
renamed over the previous ones, notifications are claimed before sending and given back when a
claim goes stale.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

#: The first delivery and one retry.
MAX_DELIVERIES = 2
#: Delivery counts older than this are forgotten.
KEEP = timedelta(days=7)

# The task this worker process is running (one task at a time per worker process).
_current: dict = {}


class TaskAbandoned(Exception):
    """A task handed out more than MAX_DELIVERIES times (its workers kept dying)."""


def count_delivery(sender=None, func=None, task=None, **kwargs) -> None:
    """`pre_execute` receiver: one more delivery of this task (queued tasks only)."""
    from .models import TaskDelivery

    _current.clear()
    if not task or task.get("sync") or not task.get("ack_id"):
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            row, created = TaskDelivery.objects.select_for_update().get_or_create(
                task_id=task["id"],
                defaults={
                    "name": str(task.get("name") or "")[:100],
                    "deliveries": 1,
                    "first_at": now,
                    "last_at": now,
                },
            )
            if not created:
                TaskDelivery.objects.filter(pk=row.pk).update(
                    deliveries=F("deliveries") + 1, last_at=now
                )
                row.refresh_from_db()
        TaskDelivery.objects.filter(last_at__lt=now - KEEP).delete()
    except Exception:  # noqa: BLE001 - the signal is not robust: never kill the worker loop
        logger.exception("Could not count the delivery of task %s", task.get("id"))
        return
    _current.update(func=func, id=task["id"], ack_id=task["ack_id"], deliveries=row.deliveries)
    if row.deliveries > 1:
        logger.warning(
            "Task %s (%s) delivered again (%s): its previous worker stopped before the end",
            task.get("name"),
            task["id"],
            row.deliveries,
        )


def retried_once(func):
    """Decorate a django-q2 task: run on the first delivery and on one retry, never more."""

    @functools.wraps(func)
    def task(*args, **kwargs):
        # What the worker is delivering, if it is this very call (not a direct call, nor a
        # call from inside another task): read once.
        delivery = dict(_current) if _current.get("func") is task else {}
        _current.clear()
        deliveries = delivery.get("deliveries", 1)
        if deliveries > MAX_DELIVERIES:
            from django_q.brokers import get_broker

            get_broker().acknowledge(delivery["ack_id"])
            logger.error(
                "Task %s abandoned: delivered %s times, its workers stopped before the end",
                delivery["id"],
                deliveries,
            )
            raise TaskAbandoned(
                f"Abandonnée après {deliveries} remises : le processus s'est arrêté à chaque fois."
            )
        return func(*args, **kwargs)

    return task


def connect() -> None:
    from django_q.signals import pre_execute

    pre_execute.connect(count_delivery, dispatch_uid="catalogue-count-task-delivery")
