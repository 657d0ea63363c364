"""The one write path to project pages.

The sample loader, the harvester, the admin's imports and a holder's front-end edit
all change project pages through these functions, so that the rules live in one
place: page URLs never change after creation, curated fields survive harvests,
provenance is recorded, unchanged records cost one hash comparison.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F

from . import archive, bulk, changes, confirmation
from .holder_edit import HOLDER_FIELDS, apply_holder_edit
from .models import PartnerIndexPage, PartnerPage, ProjectPage, ProjectSource
from .page_values import (
    ONE_LINE_FIELDS,
    PLAIN_FIELDS,
    SOCIAL_FIELDS,
    URL_FIELDS,
    ServiceError,
    description_html,
    safe_value,
)
from .provenance import (
    add_source,
    curated_field_names,
    find_existing,
    find_project,
    mark_curated,
    record_key,
    sources_seen,
)
from .public_pages import ensure_public_body_pages
from .sanitise import one_line
from .site_tree import (
    SiteTree,
    ensure_moderation_workflow,
    ensure_site_tree,
    get_project_index,
    unique_slug,
)
from .upsert import UpsertResult, upsert_project

logger = logging.getLogger(__name__)

#: What other apps may use (the one door to writing the catalogue); the modules behind it
#: (`site_tree`, `page_values`, `provenance`, `upsert`, `bulk`, `holder_edit`) are the
#: catalogue's own.
__all__ = [
    "HOLDER_FIELDS",
    "ONE_LINE_FIELDS",
    "PLAIN_FIELDS",
    "SOCIAL_FIELDS",
    "URL_FIELDS",
    "ServiceError",
    "SiteTree",
    "UpsertResult",
    "add_source",
    "after_bulk_change",
    "age_freshness_index",
    "archive_projects",
    "confirm_project",
    "confirmation_of",
    "restore_project",
    "seen_by_sources",
    "apply_holder_edit",
    "bulk_change",
    "bulk_stream",
    "curated_field_names",
    "description_html",
    "ensure_moderation_workflow",
    "ensure_public_body_pages",
    "ensure_site_tree",
    "find_existing",
    "find_partner",
    "find_project",
    "get_project_index",
    "mark_curated",
    "mark_to_verify",
    "count_reminder",
    "reminder_due",
    "HOLDER",
    "EDITOR",
    "mark_unlisted",
    "merge_projects",
    "record_key",
    "safe_value",
    "set_coup_de_coeur",
    "upsert_partner",
    "upsert_project",
    "upsert_projects_bulk",
]


# ---------------------------------------------------------------------------------
# Partners
# ---------------------------------------------------------------------------------
def upsert_partner(name: str, *, publish: bool = True, **fields) -> PartnerPage:
    """Create or update a partner page, matched by name (case-insensitive).

    `publish=False` creates it as a draft (a partner whose agreement is pending). Text fields
    pass the sanitiser (the description is rich text).
    """
    name = one_line(name)
    fields = {key: safe_value(key, value) for key, value in fields.items()}
    if not name:
        raise ServiceError("Un partenaire doit avoir un nom.")
    partner = PartnerPage.objects.filter(title__iexact=name).first()
    with transaction.atomic():
        if partner is None:
            index = PartnerIndexPage.objects.first() or ensure_site_tree().partners
            partner = PartnerPage(title=name, slug=unique_slug(index, name), **fields)
            index.add_child(instance=partner)
            revision = partner.save_revision()
            if publish:
                revision.publish()
            else:
                partner.unpublish()
            return partner
        changed = [key for key, value in fields.items() if getattr(partner, key) != value]
        if changed:
            for key in changed:
                setattr(partner, key, fields[key])
            partner.save_revision().publish()
    return partner


def find_partner(name: str) -> PartnerPage | None:
    return PartnerPage.objects.filter(title__iexact=name.strip()).first() if name else None


# ---------------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------------
def set_coup_de_coeur(page: ProjectPage, value: bool, *, user=None) -> None:
    """Editors' pick, as a new published revision (it shows in the page history)."""
    page = page.specific
    if page.coup_de_coeur == value:
        return
    page.coup_de_coeur = value
    page.save_revision(user=user, log_action=True).publish(user=user)


def mark_unlisted(
    source_key: str, seen_ids: set[int], *, threshold: int = 2, unpublish: bool = False
) -> int:
    """After a complete run: count a miss for every record of this source not seen.

    A record missed by `threshold` consecutive complete runs is marked "no longer
    listed" (and unpublished if asked), never deleted. Returns how many were marked.
    """
    # Already unlisted records keep counting their misses (one UPDATE): after
    # FRESHNESS_ARCHIVE_AFTER_RUNS of them, an unclaimed page is archived (`catalogue.archive`).
    ProjectSource.objects.filter(
        source_key=source_key, still_listed=False, missed_runs__lt=10_000
    ).exclude(pk__in=seen_ids).update(missed_runs=F("missed_runs") + 1)
    missed = ProjectSource.objects.filter(source_key=source_key, still_listed=True).exclude(
        pk__in=seen_ids
    )
    marked = 0
    for source in missed.select_related("project"):
        source.missed_runs += 1
        if source.missed_runs >= threshold:
            source.still_listed = False
            marked += 1
            if (
                unpublish
                and not source.project.sources.filter(still_listed=True)
                .exclude(pk=source.pk)
                .exists()
            ):
                source.project.unpublish()
        source.save(update_fields=["missed_runs", "still_listed"])
    archived = archive.archive_unlisted(source_key)
    if marked or archived:
        # The end of a harvest's bulk change: the dumps follow at once (see catalogue.changes).
        changes.changed(dumps=changes.NOW)
    return marked


def withdraw_listings(source_key: str, source_ids, *, unpublish: bool = False) -> int:
    """A source said these records of its own are gone (a peer's change feed): they are
    marked "no longer listed" at once (and unpublished if asked, when no other source still
    lists the project), never deleted. Returns how many were marked."""
    marked = 0
    rows = ProjectSource.objects.filter(
        source_key=source_key, source_id__in=list(source_ids), still_listed=True
    ).select_related("project")
    for source in rows:
        source.still_listed = False
        source.save(update_fields=["still_listed"])
        marked += 1
        others = source.project.sources.filter(still_listed=True).exclude(pk=source.pk)
        if unpublish and source.project.live and not others.exists():
            source.project.unpublish()
    return marked


# ---------------------------------------------------------------------------------
# Bulk and deduplication (harvests)
# ---------------------------------------------------------------------------------
def upsert_projects_bulk(records, **kwargs):
    """Create or update the pages of a stream of records in batches (see `catalogue.bulk`).

    The fast path of large harvests: new pages are created in bulk and are indistinguishable
    from pages made one by one (tree, url_path, first revision, history, indexes); unchanged
    records cost one UPDATE per batch; the others go through `upsert_project`. Yields one
    `BulkOutcome` per record, in order.
    """
    return bulk.upsert_projects_bulk(records, **kwargs)


def bulk_stream():
    """State shared by the batches of one bulk stream fed in several calls of
    `upsert_projects_bulk(…, stream=…)`; call its `finish()` after the last one."""
    return bulk.BulkStream()


def bulk_change():
    """A context in which many writes count as one change of the catalogue: the open-data
    dumps are rewritten once at its end (see `catalogue.changes`)."""
    return changes.bulk_change()


@transaction.atomic
def merge_projects(duplicate: ProjectPage, into: ProjectPage, *, user=None) -> ProjectPage:
    """One project listed twice: `into` gets the provenance of `duplicate`, which is
    unpublished (never deleted) and redirected to `into`, so its links keep working."""
    from wagtail.contrib.redirects.models import Redirect

    duplicate, into = duplicate.specific, into.specific
    if duplicate.pk == into.pk:
        raise ServiceError("Une fiche ne peut pas être fusionnée avec elle-même.")
    shared = set(duplicate.sources.values_list("source_key", flat=True)) & set(
        into.sources.values_list("source_key", flat=True)
    )
    if shared:
        raise ServiceError(
            "Les deux fiches viennent de la même source (" + ", ".join(sorted(shared)) + ") : "
            "ce ne sont pas des doublons entre partenaires."
        )
    for source in duplicate.sources.all():
        source.project = into
        source.save(update_fields=["project"])
    old_path = duplicate.url
    if duplicate.live:
        duplicate.unpublish(user=user, log_action=True)
    if old_path:
        Redirect.objects.update_or_create(
            old_path=Redirect.normalise_path(old_path),
            site=None,
            defaults={"redirect_page": into, "is_permanent": True},
        )
    from . import changes

    # The change feed says where the duplicate went (its unpublication said only "gone").
    changes.changed(pages=[duplicate.pk], kind="merged", merged_into=into.pk)
    return into


# ---------------------------------------------------------------------------------
# Freshness (see catalogue.confirmation and catalogue.archive)
# ---------------------------------------------------------------------------------
HOLDER, EDITOR = confirmation.HOLDER, confirmation.EDITOR
confirmation_of = confirmation.confirmation_of
#: Records a harvest saw unchanged (their `ProjectSource.last_seen` set): the index follows.
seen_by_sources = sources_seen
age_freshness_index = confirmation.age_index
reminder_due = confirmation.reminder_due
count_reminder = confirmation.count_reminder
mark_to_verify = confirmation.mark_to_verify
archive_projects = archive.archive
restore_project = archive.restore


def confirm_project(page: ProjectPage, by: str, *, user=None, at=None):
    """A holder ("holder") or an editor ("editor") says the page is up to date."""
    return confirmation.confirm(page, by, user=user, at=at)


# ---------------------------------------------------------------------------------
# Derived data
# ---------------------------------------------------------------------------------
def after_bulk_change(*, dumps: bool = True) -> dict:
    """Recompute everything derived from all pages (map clusters, data version, dumps).

    Not a step to remember: every write through these services ends in "the catalogue changed"
    (`catalogue.changes`). This is for data written around them (a benchmark's raw load, a
    restored database) and `manage.py check_catalogue --repair`.
    """
    return changes.refresh_all(dumps=dumps)


# ---------------------------------------------------------------------------------
# Suggested codes (computed by the importers, confirmed by editors)
# ---------------------------------------------------------------------------------
from .suggested import (  # noqa: E402, F401 - part of the services' door
    clear_suggested_codes,
    confirm_codes,
    pages_with_keyword,
    pages_with_text_suggestion,
    set_suggested_codes,
    settle_suggestions,
    text_suggestion_groups,
)
