"""Where a project page's records come from: update keys, provenance rows, curated fields.

A record is found again by its source and id, else by the URL of its original page
(`find_project` one by one, `find_existing` for a batch, with the same rule); each source's
listing of a page is a `ProjectSource` row (`record_source`, `touch_source`); a field a person
edited is marked curated (`mark_curated`) and harvests leave it alone. Shared by the one-record
and the bulk write paths.
"""

from __future__ import annotations

import hashlib
import json
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
            "fields": proposals(record_digests(record), {}, seen_at),
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
        source.fields = proposals(record_digests(record), source.fields, seen_at)
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


def mark_curated(
    page: ProjectPage, field_names, *, by: str, user=None, before=None, after=None, revision=None
) -> None:
    """Record that a person edited these fields: harvests leave them alone from now on.

    Given the page `before` and `after` the edit, each changed value is also kept as a
    correction for the partners listing the page (`catalogue.errata`)."""
    now = timezone.now()
    field_names = list(field_names)
    if before is not None and after is not None:
        from .errata import record_corrections

        record_corrections(
            page, before, after, field_names, by=by, revision_id=getattr(revision, "pk", None)
        )
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


# ---------------------------------------------------------------------------------------------
# Per field: what each listing proposes (compared with the page by `catalogue.field_origins`)
# ---------------------------------------------------------------------------------------------
#: The fields whose origin the project page shows (what a source may propose).
ORIGIN_FIELDS = tuple(name for name in CURATABLE_FIELDS if name not in ("tags", "image"))


def _digest(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]


def _digests(values: dict, codes) -> dict[str, str]:
    found = {}
    for name in ORIGIN_FIELDS:
        if name == "codes":
            value = sorted(codes)
        elif name == "location":
            lat, lng = values.get("latitude"), values.get("longitude")
            value = [round(lat, 6), round(lng, 6)] if lat is not None and lng is not None else None
        else:
            value = values.get(name)
        if value not in (None, "", []):
            found[name] = _digest(value)
    return found


def page_digests(page: ProjectPage) -> dict[str, str]:
    """The digest of each non-empty origin field of a page (its codes read once)."""
    values = {name: getattr(page, name, None) for name in ORIGIN_FIELDS}
    values["latitude"], values["longitude"] = page.latitude, page.longitude
    return _digests(values, [code.code for code in page.codes.all()])


def record_digests(record: ProjectRecord) -> dict[str, str]:
    """What a record proposes, field by field, as the page would hold it."""
    from .models import NomenclatureCode
    from .page_values import record_values

    codes = []
    if record.codes:
        codes = NomenclatureCode.objects.filter(code__in=record.codes).values_list(
            "code", flat=True
        )
    return _digests(record_values(record), list(codes))


def proposals(digests: dict[str, str], previous: dict, seen_at) -> dict[str, list]:
    """{field: [digest, since]}: a value proposed before keeps the date it was first seen."""
    when = (seen_at or timezone.now()).isoformat()
    previous = previous or {}
    result = {}
    for name, digest in digests.items():
        old = previous.get(name)
        same = isinstance(old, list) and len(old) == 2 and old[0] == digest
        result[name] = old if same else [digest, when]
    return result
