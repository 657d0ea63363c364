"""Where a project page's records come from: update keys, provenance rows, curated fields.

A record is found again by its source and id, else by the URL of its original page
(`find_project` one by one, `find_existing` for a batch, with the same rule); each source's
listing of a page is a `ProjectSource` row (`record_source`, `touch_source`); a field a person
edited is marked curated (`mark_curated`) and harvests leave it alone. Shared by the one-record
and the bulk write paths.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from .models import CURATABLE_FIELDS, CuratedField, PartnerPage, ProjectPage, ProjectSource
from .records import ProjectRecord


def find_project(source_key: str, source_id: str = "", source_url: str = "") -> ProjectPage | None:
    """The update key: (source, source id), else the URL of the original page.

    A record with an id is found by URL only on a row stored without id: items of an API or a
    file share one URL, which must not make them one record.
    """
    sources = ProjectSource.objects.filter(source_key=source_key)
    match = None
    if source_id:
        match = sources.filter(source_id=source_id).select_related("project").first()
    if match is None and source_url:
        by_url = sources.filter(source_url=source_url)
        if source_id:
            by_url = by_url.filter(source_id="")
        match = by_url.select_related("project").first()
    return match.project if match else None


def record_key(record: ProjectRecord) -> tuple[str, str]:
    """The update key of a record within its source: its id, else its page URL."""
    if record.source_id:
        return ("id", record.source_id)
    return ("url", record.source_url)


@dataclass
class _Existing:
    source_pk: int
    page_id: int
    content_hash: str
    still_listed: bool
    live: bool


def find_existing(
    source_key: str, records: list[ProjectRecord]
) -> dict[tuple[str, str], _Existing]:
    """Provenance rows of these records under `source_key`, in one or two queries."""
    ids = {r.source_id for r in records if r.source_id}
    urls = {r.source_url for r in records if r.source_url}
    found: dict[tuple[str, str], _Existing] = {}
    if not ids and not urls:
        return found
    condition = Q()
    if ids:
        condition |= Q(source_id__in=ids)
    if urls:
        condition |= Q(source_url__in=urls)
    rows = ProjectSource.objects.filter(condition, source_key=source_key).values_list(
        "pk",
        "project_id",
        "source_id",
        "source_url",
        "content_hash",
        "still_listed",
        "project__live",
    )
    by_url: dict[str, _Existing] = {}
    without_id: dict[str, _Existing] = {}
    for pk, page_id, source_id, source_url, content_hash, listed, live in rows:
        existing = _Existing(pk, page_id, content_hash, listed, live)
        if source_id:
            found[("id", source_id)] = existing
        if source_url:
            by_url.setdefault(source_url, existing)
            if not source_id:
                without_id.setdefault(source_url, existing)
    # The key falls back on the URL of the original page, as `find_project` does: any
    # row for a record without id, only a row stored without id for a record with one.
    for record in records:
        key = record_key(record)
        if key in found or not record.source_url:
            continue
        table = without_id if record.source_id else by_url
        if record.source_url in table:
            found[key] = table[record.source_url]
    return found


def record_source(page, record, source_key, partner, seen_at, record_hash):
    source, created = ProjectSource.objects.get_or_create(
        project=page,
        source_key=source_key,
        defaults={
            "source_id": record.source_id,
            "source_url": record.source_url,
            "partner": partner,
            "raw_tags": record.raw_tags,
            "first_seen": seen_at,
            "last_seen": seen_at,
            "content_hash": record_hash,
        },
    )
    if not created:
        source.source_id = record.source_id or source.source_id
        source.source_url = record.source_url or source.source_url
        source.partner = partner or source.partner
        source.raw_tags = record.raw_tags or source.raw_tags
        source.last_seen = seen_at
        source.still_listed = True
        source.missed_runs = 0
        source.content_hash = record_hash
        source.save()
    return source


def touch_source(source: ProjectSource, seen_at) -> None:
    ProjectSource.objects.filter(pk=source.pk).update(
        last_seen=seen_at, still_listed=True, missed_runs=0
    )
    if not source.still_listed:
        # listed again: the search index's "still listed" facet follows (no save() signal here)
        from .search.indexer import index_project

        index_project(source.project_id)
    else:
        sources_seen([source.project_id], seen_at)


def sources_seen(page_ids, seen_at) -> None:
    """Records a source listed unchanged (their `last_seen` set): confirmed by it. The search
    index follows in bulk (`catalogue.confirmation`; the data version moves, so caches and the
    API show the new date). A re-run that changes no content is no change of the catalogue: no
    change-feed event, no rewrite of the dumps (their `confirmed_at` is that of their last
    rewrite, at the next real change)."""
    from .confirmation import seen_by_sources

    seen_by_sources(page_ids, seen_at)


def curated_field_names(page: ProjectPage) -> set[str]:
    return set(page.curated_fields.values_list("field_name", flat=True))


def mark_curated(page: ProjectPage, field_names, *, by: str, user=None) -> None:
    """Record that a person edited these fields: harvests leave them alone from now on."""
    now = timezone.now()
    for name in field_names:
        if name not in CURATABLE_FIELDS:
            continue
        CuratedField.objects.update_or_create(
            project=page,
            field_name=name,
            defaults={"curated_by": by, "user": user, "at": now},
        )


def add_source(
    page: ProjectPage,
    record: ProjectRecord,
    *,
    source_key: str,
    partner: PartnerPage | None = None,
    seen_at=None,
) -> ProjectSource:
    """Attach another partner's listing to an existing page (cross-source duplicate)."""
    return record_source(
        page, record, source_key, partner, seen_at or timezone.now(), record.content_hash()
    )
