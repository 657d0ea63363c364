"""One django-q2 schedule per enabled source, from its cron expression (kept in sync on save).

Each scheduled task runs `importers.tasks.harvest_source`, which spawns `manage.py harvest NAME`
in its own process: one source failing (or crashing its reactor) never stops the others.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

TASK = "importers.tasks.harvest_source"


def schedule_name(source) -> str:
    return f"harvest:{source.pk}"


def sync_schedule(source):
    """Create, update or delete the source's schedule (idempotent). Returns it or None."""
    from django_q.models import Schedule

    name = schedule_name(source)
    if not source.pk or not source.enabled or not (source.schedule or "").strip():
        Schedule.objects.filter(name=name).delete()
        return None
    cron = source.schedule.strip()
    wanted = {
        "func": TASK,
        "args": repr((source.pk,)),
        "kwargs": repr({"trigger": "schedule"}),
        "schedule_type": Schedule.CRON,
        "cron": cron,
        "repeats": -1,
    }
    schedule = Schedule.objects.filter(name=name).first()
    if schedule is None:
        return Schedule.objects.create(name=name, **wanted)  # next_run computed on create
    changed = [key for key, value in wanted.items() if getattr(schedule, key) != value]
    if changed:
        for key in changed:
            setattr(schedule, key, wanted[key])
        if "cron" in changed or "schedule_type" in changed or schedule.next_run is None:
            schedule.next_run = schedule.calculate_next_run()
        schedule.save()
    return schedule


def remove_schedule(source) -> None:
    from django_q.models import Schedule

    Schedule.objects.filter(name=schedule_name(source)).delete()
