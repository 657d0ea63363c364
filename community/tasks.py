"""Background jobs (django-q2): notification e-mails, daily and weekly digests, saved searches.

Schedules are created idempotently by `community.schedules.ensure_schedules` (post_migrate).
Every delivery claims its notifications with a batch token before sending, so a notification is
e-mailed once even when two runs overlap; privacy is checked at send time. A claim is confirmed
once the e-mail is sent: a claim left unconfirmed longer than a task may run (its worker was
killed between claim and send) is given back, so the retry sends it rather than losing it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from catalogue.background import retried_once

from .models import Notification, NotificationSettings

logger = logging.getLogger(__name__)

Frequency = NotificationSettings.Frequency
# Unsent notifications older than this are not e-mailed any more (they stay on the site).
MAX_AGE = timedelta(days=14)
SKIPPED = "skipped"
#: Prefix of a batch claimed but not yet sent (32 characters in all, the field's length).
CLAIMED = "claim:"


def _claim_stale_after() -> timedelta:
    """Past the task timeout, the run that claimed is dead (django-q2 kills it by then)."""
    from django.conf import settings

    return timedelta(seconds=int(settings.Q_CLUSTER.get("timeout") or 3600))


def release_stale_claims() -> int:
    """Claims of a run killed before it sent (older than a task may run): given back, so this
    run sends them. Called first by every delivery task."""
    stale = timezone.now() - _claim_stale_after()
    return Notification.objects.filter(
        email_batch__startswith=CLAIMED, emailed_at__lt=stale
    ).update(emailed_at=None, email_batch="")


def _claim(user, queryset) -> str:
    """Mark the sendable notifications of `queryset` as this run's batch; returns the token."""
    from . import notify

    now = timezone.now()
    batch = CLAIMED + uuid.uuid4().hex[: 32 - len(CLAIMED)]
    pending = queryset.filter(recipient=user, emailed_at__isnull=True, email_batch="")
    too_old = pending.filter(created_at__lt=now - MAX_AGE)
    too_old.update(emailed_at=now, email_batch=SKIPPED)
    visible = set(
        Notification.objects.visible_to(user)
        .filter(pk__in=pending.values("pk"))
        .values_list("pk", flat=True)
    )
    candidates = list(pending.filter(pk__in=visible))
    keep = [n.pk for n in candidates if notify.still_relevant(n, user)]
    # Private or vanished content: never e-mailed, still counted as handled.
    pending.exclude(pk__in=keep).update(emailed_at=now, email_batch=SKIPPED)
    Notification.objects.filter(pk__in=keep, email_batch="", emailed_at__isnull=True).update(
        emailed_at=now, email_batch=batch
    )
    return batch


def deliver(user, *, digest: str = "", queryset=None) -> int:
    """E-mail `user` their unsent notifications (of `queryset`); returns how many were sent."""
    from .emails import send_notification_email

    if not user.is_active or not user.email:
        return 0
    base = queryset if queryset is not None else Notification.objects.all()
    with transaction.atomic():
        batch = _claim(user, base)
    items = list(
        Notification.objects.filter(recipient=user, email_batch=batch)
        .select_related("space")
        .order_by("created_at", "pk")
    )
    if not items:
        return 0
    try:
        send_notification_email(user, items, digest=digest)
    except Exception:
        # Give them back to the next run rather than losing them.
        Notification.objects.filter(email_batch=batch).update(emailed_at=None, email_batch="")
        logger.exception("Notification e-mail to user %s failed", user.pk)
        raise
    Notification.objects.filter(email_batch=batch).update(email_batch=batch.removeprefix(CLAIMED))
    return len(items)


def _deliver_each(users, **kwargs):
    """`deliver` to each user in turn; one failure (logged by `deliver`, its notifications
    given back to the next run) never stops the others. Yields (user, sent)."""
    for user in users:
        try:
            yield user, deliver(user, **kwargs)
        except Exception:  # noqa: BLE001, S112 - logged in deliver; the rest must still be sent
            continue


@retried_once
def send_now(notification_ids):
    """Transactional notifications (claim decisions): e-mailed at once, whatever the preference."""
    release_stale_claims()
    users = get_user_model().objects.filter(notifications__pk__in=notification_ids).distinct()
    queryset = Notification.objects.filter(pk__in=notification_ids)
    return sum(sent for _user, sent in _deliver_each(users, queryset=queryset))


@retried_once
def send_immediate(user_ids=None):
    """Members who chose "immediate": e-mail what is waiting (also a periodic sweep)."""
    release_stale_claims()
    settings_rows = NotificationSettings.objects.filter(frequency=Frequency.IMMEDIATE)
    if user_ids is not None:
        settings_rows = settings_rows.filter(user_id__in=user_ids)
    users = (row.user for row in settings_rows.select_related("user"))
    return sum(sent for _user, sent in _deliver_each(users))


def _members_with(frequency):
    """Members on `frequency`; members without a settings row get the default (weekly)."""
    User = get_user_model()
    users = User.objects.filter(is_active=True, notifications__emailed_at__isnull=True)
    if frequency == NotificationSettings._meta.get_field("frequency").default:
        users = users.exclude(
            notification_settings__frequency__in=[f for f in Frequency.values if f != frequency]
        )
    else:
        users = users.filter(notification_settings__frequency=frequency)
    return users.distinct()


def send_digests(frequency: str, *, now=None) -> int:
    """Send the daily or weekly digest to every member who chose it; returns e-mails sent."""
    release_stale_claims()
    now = now or timezone.now()
    minimum_gap = timedelta(hours=20) if frequency == Frequency.DAILY else timedelta(days=6)
    due = []
    for user in _members_with(frequency):
        row = NotificationSettings.for_user(user)
        if row.last_digest_at and now - row.last_digest_at < minimum_gap:
            continue  # a re-run of the same schedule: never two digests in one period
        due.append(user)
    emails = 0
    for user, sent in _deliver_each(due, digest=frequency):
        if sent:
            emails += 1
            NotificationSettings.objects.filter(user=user).update(last_digest_at=now)
    return emails


@retried_once
def send_daily_digests():
    check_saved_searches()
    return send_digests(Frequency.DAILY)


@retried_once
def send_weekly_digests():
    check_saved_searches()
    return send_digests(Frequency.WEEKLY)


def check_saved_searches(now=None) -> int:
    """New projects matching saved searches become notifications (delivered with the rest)."""
    from .searches import notify_new_matches

    return notify_new_matches(now=now)
