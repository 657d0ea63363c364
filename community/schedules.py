"""The django-q2 schedules of notification e-mails, created idempotently (by name).

Run after every `migrate` (post_migrate receiver), so `make run` and deployments get them
without an extra command. Times are in the server's time zone (TIME_ZONE).
"""

SCHEDULES = {
    # name: (function, cron)
    "community: résumés quotidiens": ("community.tasks.send_daily_digests", "0 7 * * *"),
    "community: résumés hebdomadaires": ("community.tasks.send_weekly_digests", "0 7 * * 1"),
    # Holders' yearly "toujours à jour ?" reminders, then the index's freshness buckets.
    "community: fraîcheur des fiches": ("community.freshness.daily", "30 6 * * *"),
    "community: notifications immédiates (rattrapage)": (
        "community.tasks.send_immediate",
        "*/5 * * * *",
    ),
}


def ensure_schedules(using="default"):
    from django_q.models import Schedule

    for name, (func, cron) in SCHEDULES.items():
        Schedule.objects.using(using).update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": Schedule.CRON, "cron": cron, "repeats": -1},
        )
