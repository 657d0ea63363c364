"""Archived projects: unclaimed harvested pages that no source has listed for
`FRESHNESS_ARCHIVE_AFTER_RUNS` complete runs.

An archived page is unpublished (never deleted: search, map, API and dumps drop it like any
unpublished page) and marked `ProjectConfirmation.archived_at`; the change feed says
"archived". Its address answers 410 Gone with similar projects (`ArchivedPageMiddleware`).
It comes back when a harvest lists it again (`upsert_project` publishes a restored listing)
or when an editor restores it (`restore`); any publication clears the mark (`connect`).

Pages with a holder are never archived: the holders' yearly reminders ask them instead.
Which pages have holders is community's knowledge: it answers the Wagtail hook
`catalogue_claimed_pages` (page ids -> the claimed ones among them).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.template.response import TemplateResponse
from django.utils import timezone
from wagtail import hooks

from . import changes, confirmation
from .models import ProjectConfirmation, ProjectPage, ProjectSource

CLAIMED_HOOK = "catalogue_claimed_pages"


def after_runs() -> int:
    return max(1, int(getattr(settings, "FRESHNESS_ARCHIVE_AFTER_RUNS", 6)))


def claimed(page_ids) -> set[int]:
    found: set[int] = set()
    for answer in hooks.get_hooks(CLAIMED_HOOK):
        found |= set(answer(list(page_ids)))
    return found


def candidates(source_key: str, now: datetime | None = None) -> list[int]:
    """Live, public pages listed by this source whose every listing missed the last N runs,
    unclaimed, and not confirmed by a person within a year."""
    now = now or timezone.now()
    n = after_runs()
    listed_here = ProjectSource.objects.filter(source_key=source_key, missed_runs__gte=n)
    ids = (
        ProjectPage.objects.live()
        .public()
        .filter(pk__in=listed_here.values("project_id"))
        .annotate(least=Min("sources__missed_runs"))
        .filter(least__gte=n)
        .values_list("pk", flat=True)
    )
    ids = set(ids)
    if not ids:
        return []
    recent = ProjectConfirmation.objects.filter(
        page_id__in=ids, confirmed_at__gte=now - confirmation.YEAR
    ).values_list("page_id", flat=True)
    ids -= set(recent)
    ids -= claimed(ids)
    return sorted(ids)


def archive(page_ids, *, now: datetime | None = None) -> int:
    """Archive these pages (see the module doc); returns how many."""
    now = now or timezone.now()
    done = []
    for page in ProjectPage.objects.filter(pk__in=list(page_ids), live=True):
        with transaction.atomic():
            page.unpublish(log_action=True)
            ProjectConfirmation.objects.update_or_create(
                page_id=page.pk, defaults={"archived_at": now}
            )
            done.append(page.pk)
    if done:
        changes.changed(pages=done, kind="archived")
    return len(done)


def archive_unlisted(source_key: str, now: datetime | None = None) -> int:
    return archive(candidates(source_key, now), now=now)


@transaction.atomic
def restore(page, *, user=None) -> None:
    """An editor brings an archived page back: published again, counted as the editors'
    confirmation (so the next run does not archive it at once)."""
    page = page.specific
    revision = page.get_latest_revision()
    if not page.live and revision is not None:
        revision.publish(user=user)
    confirmation.confirm(page, confirmation.EDITOR, user=user)


def is_archived(page) -> bool:
    return ProjectConfirmation.objects.filter(page_id=page.pk, archived_at__isnull=False).exists()


def _published(sender, instance, **kwargs):
    ProjectConfirmation.objects.filter(page_id=instance.pk, archived_at__isnull=False).update(
        archived_at=None
    )


def connect():
    from wagtail.signals import page_published

    page_published.connect(_published, sender=ProjectPage, dispatch_uid="catalogue-unarchive")


# ---------------------------------------------------------------------------------------------
# 410 Gone
# ---------------------------------------------------------------------------------------------
def archived_page_at(request) -> ProjectPage | None:
    """The archived project page whose address this request asked for, if any."""
    from wagtail.models import Site

    if "\x00" in request.path:  # no page has one (and PostgreSQL refuses it in a query)
        return None
    site = Site.find_for_request(request)
    if site is None:
        return None
    path = request.path if request.path.endswith("/") else request.path + "/"
    url_path = site.root_page.url_path.rstrip("/") + path
    page = (
        ProjectPage.objects.filter(url_path=url_path, live=False)
        .filter(confirmation__archived_at__isnull=False)
        .first()
    )
    if page is None:
        return None
    # A page in a private section stays a plain 404, archived or not.
    restricted = page.get_view_restrictions().exists()
    return None if restricted else page


def gone_response(request, page) -> TemplateResponse:
    return TemplateResponse(
        request,
        "catalogue/archived_page.html",
        {"archived": page, "archived_at": _archived_at(page)},
        status=410,
    )


def _archived_at(page):
    return ProjectConfirmation.objects.filter(page_id=page.pk).aggregate(at=Max("archived_at"))[
        "at"
    ]


class ArchivedPageMiddleware:
    """A 404 for the address of an archived project becomes 410 Gone, with similar projects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        page = archived_page_at(request)
        if page is None:
            return response
        gone = gone_response(request, page)
        gone.render()
        return gone
