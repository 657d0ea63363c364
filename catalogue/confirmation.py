"""Freshness: when each project was last confirmed, and by whom (one rule, read everywhere).

A project is confirmed
- by its source: every harvest run that lists its record (unchanged or updated) sets the
  listing's `ProjectSource.last_seen` (in bulk for unchanged records: one UPDATE per batch);
- by its holder: one click "toujours à jour" on the page, the signed link of the yearly
  reminder, or an edit of the page (`ProjectConfirmation`, confirmed_by "holder");
- by an editor: the admin's button, or restoring an archived page ("editor").
The latest of these is the project's confirmation (`confirmations`); a page written on
Carrefour with no source and no confirmation counts its last publication as the editors'.

The search index stores the date (`ProjectSearchEntry.confirmed_at`, the "récemment
confirmés" sort) and a facet `fraicheur` with the age bucket and "à vérifier". The bucket
moves with the clock, not with the data: `age_index` (daily, see community's schedules)
re-indexes the entries whose bucket has changed since they were written.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ProjectConfirmation, ProjectFacetValue, ProjectSearchEntry, ProjectSource

YEAR = timedelta(days=365)
FACET = "fraicheur"
RECENT, OLDER, OLD, TO_VERIFY = "moins-1-an", "1-2-ans", "plus-2-ans", "a-verifier"
#: Facet values and their labels, in display order.
VALUES = {
    RECENT: _("Confirmé depuis moins d'un an"),
    OLDER: _("Confirmé il y a un à deux ans"),
    OLD: _("Confirmé il y a plus de deux ans"),
    TO_VERIFY: _("À vérifier"),
}
SOURCE, HOLDER, EDITOR = "source", "holder", "editor"
BY_LABELS = {
    SOURCE: _("la source"),
    HOLDER: ProjectConfirmation.By.HOLDER.label,
    EDITOR: ProjectConfirmation.By.EDITOR.label,
}


@dataclass(frozen=True)
class Confirmed:
    at: datetime | None
    by: str = ""  # source, holder, editor
    source: str = ""  # the partner (or source) name when by a source
    to_verify: bool = False
    archived: bool = False

    @property
    def by_label(self) -> str:
        return str(BY_LABELS.get(self.by, ""))


_clock = threading.local()


def current_time() -> datetime:
    """Now, or the time a caller passed (`as_of`): the daily job run for a given day."""
    return getattr(_clock, "now", None) or timezone.now()


@contextmanager
def as_of(now: datetime | None):
    outer = getattr(_clock, "now", None)
    _clock.now = now
    try:
        yield
    finally:
        _clock.now = outer


def bucket(at: datetime | None, now: datetime | None = None) -> str:
    """The age bucket of a confirmation date."""
    if at is None:
        return OLD
    age = (now or current_time()) - at
    if age < YEAR:
        return RECENT
    return OLDER if age < 2 * YEAR else OLD


def facet_values(confirmed: Confirmed, now: datetime | None = None) -> set[tuple[str, str]]:
    values = {(FACET, bucket(confirmed.at, now))}
    if confirmed.to_verify:
        values.add((FACET, TO_VERIFY))
    return values


def confirmations(page_ids, published: dict | None = None) -> dict[int, Confirmed]:
    """The latest confirmation of each page, in two queries. `published` (id -> last
    publication) stands for the editors' confirmation of pages with no source and no row."""
    page_ids = list(page_ids)
    best: dict[int, Confirmed] = {}
    rows = ProjectSource.objects.filter(project_id__in=page_ids).order_by()
    for pk, seen, partner, key in rows.values_list(
        "project_id", "last_seen", "partner__title", "source_key"
    ):
        if pk not in best or (seen and seen > best[pk].at):
            best[pk] = Confirmed(seen, SOURCE, partner or key)
    persons = ProjectConfirmation.objects.filter(page_id__in=page_ids).values_list(
        "page_id", "confirmed_at", "confirmed_by", "to_verify", "archived_at"
    )
    for pk, at, by, to_verify, archived in persons:
        current = best.get(pk)
        if at and (current is None or current.at is None or at >= current.at):
            current = Confirmed(at, by)
        current = current or Confirmed(None)
        best[pk] = Confirmed(
            current.at, current.by, current.source, to_verify, archived is not None
        )
    for pk, at in (published or {}).items():
        if pk not in best and at:
            best[pk] = Confirmed(at, EDITOR)
    return best


def confirmation_of(page) -> Confirmed:
    return confirmations([page.pk], {page.pk: page.last_published_at}).get(page.pk, Confirmed(None))


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------
def _reindex(page_ids) -> None:
    from .search.indexer import index_projects

    index_projects(page_ids)


@transaction.atomic
def confirm(page, by: str, *, user=None, at: datetime | None = None) -> ProjectConfirmation:
    """A person says the page is up to date: its confirmation, the reminders start again."""
    if by not in (HOLDER, EDITOR):
        raise ValueError(f"Unknown confirmation by {by!r}")
    row, _created = ProjectConfirmation.objects.select_for_update().get_or_create(page_id=page.pk)
    row.confirmed_at = at or timezone.now()
    row.confirmed_by = by
    row.user = user if user is not None and user.is_authenticated else None
    row.reminders_sent = 0
    row.reminded_at = None
    row.to_verify = False
    row.save()
    with as_of(at):
        _reindex([page.pk])
    return row


def seen_by_sources(page_ids, seen_at: datetime) -> None:
    """Harvested records seen unchanged: their index entries take the new date (one UPDATE),
    and the few whose age bucket was not "recent" any more are re-indexed."""
    page_ids = list(page_ids)
    if not page_ids:
        return
    from .search import indexer

    entries = ProjectSearchEntry.objects.filter(page_id__in=page_ids)
    entries.filter(Q(confirmed_at__lt=seen_at) | Q(confirmed_at__isnull=True)).update(
        confirmed_at=seen_at
    )
    current = set(
        ProjectFacetValue.objects.filter(
            entry_id__in=page_ids,
            facet=FACET,
            value__in=(bucket(seen_at, max(seen_at, current_time())), TO_VERIFY),
        ).values_list("entry_id", flat=True)
    )
    # Stale buckets, and entries with none (indexed before freshness existed: an upgrade).
    stale_ids = [pk for pk in entries.values_list("page_id", flat=True) if pk not in current]
    if stale_ids:
        _reindex(stale_ids)
    indexer.written_in_place()


def age_index(now: datetime | None = None) -> int:
    """Re-index the entries whose age bucket the clock has moved; returns how many."""
    now = now or current_time()
    stored = dict(
        ProjectFacetValue.objects.filter(facet=FACET)
        .exclude(value=TO_VERIFY)
        .values_list("entry_id", "value")
    )
    stale = [
        pk
        for pk, at in ProjectSearchEntry.objects.values_list("page_id", "confirmed_at")
        if stored.get(pk) != bucket(at, now)
    ]
    if stale:
        with as_of(now):
            _reindex(stale)
    return len(stale)


# ---------------------------------------------------------------------------------------------
# Reminders of claimed pages (community decides who the holders are and sends the e-mails)
# ---------------------------------------------------------------------------------------------
#: After a first reminder, the second one (and after it, "à vérifier") waits this long.
REMINDER_GAP = timedelta(days=30)
REMINDERS = 2


def reminder_due(page_id: int, since: datetime, now: datetime) -> str:
    """What the page's holders are owed now: "remind" (a reminder), "to_verify" (label it) or
    "" (nothing). `since` is when the current period began (a holder's claim, say) if no person
    confirmed the page after it."""
    row = ProjectConfirmation.objects.filter(page_id=page_id).first()
    anchor = since
    if row and row.confirmed_at and row.confirmed_at > anchor:
        anchor = row.confirmed_at
    if now - anchor < YEAR:
        return ""
    sent = row.reminders_sent if row else 0
    if sent == 0:
        return "remind"
    if row.reminded_at and now - row.reminded_at < REMINDER_GAP:
        return ""
    if sent < REMINDERS:
        return "remind"
    return "" if row.to_verify else "to_verify"


def count_reminder(page_id: int, now: datetime) -> bool:
    """Record one more reminder, once: False when another process counted it first (the
    caller then sends nothing)."""
    row, _created = ProjectConfirmation.objects.get_or_create(page_id=page_id)
    return bool(
        ProjectConfirmation.objects.filter(
            pk=row.pk, reminders_sent=row.reminders_sent, reminded_at=row.reminded_at
        ).update(reminders_sent=row.reminders_sent + 1, reminded_at=now)
    )


def mark_to_verify(page_ids, now: datetime | None = None) -> None:
    page_ids = list(page_ids)
    ProjectConfirmation.objects.filter(page_id__in=page_ids).update(to_verify=True)
    with as_of(now):
        _reindex(page_ids)


def reminders_sent(page_id: int) -> int:
    row = ProjectConfirmation.objects.filter(page_id=page_id).first()
    return row.reminders_sent if row else 0
