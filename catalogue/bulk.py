"""Bulk upsert of project pages: the fast path for harvests of thousands of records.

`upsert_projects_bulk` (exposed as `catalogue.services.upsert_projects_bulk`) follows the
same rules as the one-record path, `catalogue.upsert.upsert_project` (update key, content hash,
curated fields, provenance, through the same `page_values`, `provenance` and `site_tree`), and
makes pages indistinguishable from pages made one by one:

- new records, in one transaction per batch, created in bulk by `catalogue.bulk_pages`
  (page rows, first revision, history, indexes: one prepared statement per table);
- unchanged records (same content hash, page live, still listed): one UPDATE per batch;
- changed, restored or otherwise unusual records: `upsert_project`, one by one (the
  normal path, with a new revision, curated fields kept, drafts respected).

A batch that fails as a whole is retried record by record through `upsert_project`, so one
bad record costs a reported error, never the batch. A process killed mid-way leaves only
whole batches behind: the next run finds them by their key and carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .bulk_pages import BulkStream, create_pages, validate_pages
from .models import (
    ProjectPage,
    ProjectSource,
)
from .page_values import ServiceError
from .provenance import (
    add_source,
    find_existing,
    find_project,
    record_key,
    sources_seen,
)
from .records import ProjectRecord
from .upsert import upsert_project

logger = logging.getLogger(__name__)

# Outcomes that change what the catalogue publishes (the others leave it as it was).
CHANGES = ("created", "updated", "attached")


@dataclass
class BulkOutcome:
    """What happened to one record; `index` is its rank in the input stream."""

    index: int
    record: ProjectRecord
    action: str  # created, updated, unchanged, attached, invalid, failed
    page_id: int | None = None
    error: str = ""
    kept_curated: tuple[str, ...] = ()


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def upsert_projects_bulk(
    records: Iterable[ProjectRecord],
    *,
    source_key: str,
    partner=None,
    seen_at=None,
    batch_size: int = 500,
    resolve_new: Callable[[ProjectRecord], int | None] | None = None,
    image_fetcher=None,
    stream: BulkStream | None = None,
) -> Iterator[BulkOutcome]:
    """Create or update the pages of a stream of records, batch by batch; yields outcomes.

    `resolve_new(record)` is asked about each record its source does not know yet: it may
    return the id of an existing page listing the same project elsewhere (a cross-source
    duplicate), which then gets this source as an extra provenance instead of a new page.
    Records are read lazily: memory stays flat whatever the size of the stream.

    A caller that feeds one stream in several calls (the harvest pipeline, batch by batch)
    passes the same `stream` to each and calls `stream.finish()` at the end.
    """
    seen_at = seen_at or timezone.now()
    offset = 0
    own_stream = stream is None
    stream = stream or BulkStream()
    for batch in _chunks(records, batch_size):
        for outcome in _upsert_batch(
            batch,
            offset,
            source_key=source_key,
            partner=partner,
            seen_at=seen_at,
            resolve_new=resolve_new,
            image_fetcher=image_fetcher,
            stream=stream,
        ):
            stream.created = stream.created or outcome.action == "created"
            stream.changed = stream.changed or outcome.action in CHANGES
            yield outcome
        offset += len(batch)
    if own_stream:
        stream.finish()


def _upsert_batch(
    batch, offset, *, source_key, partner, seen_at, resolve_new, image_fetcher, stream=None
):
    existing = find_existing(source_key, batch)
    outcomes: dict[int, BulkOutcome] = {}
    touch: list[int] = []
    slow: list[int] = []
    new: list[int] = []
    attach: list[tuple[int, int]] = []
    keys_in_batch: set[tuple[str, str]] = set()
    for i, record in enumerate(batch):
        key = record_key(record)
        if not record.title.strip() or not key[1]:
            slow.append(i)  # upsert_project gives the reason
            continue
        if key in keys_in_batch:
            slow.append(i)  # a repeat: the page made for the first one will be found
            continue
        keys_in_batch.add(key)
        known = existing.get(key)
        if known is not None:
            if known.content_hash == record.content_hash() and known.live and known.still_listed:
                touch.append(i)
                outcomes[i] = BulkOutcome(offset + i, record, "unchanged", known.page_id)
            else:
                slow.append(i)
            continue
        target = resolve_new(record) if resolve_new else None
        if target:
            attach.append((i, target))
        else:
            new.append(i)

    if touch:
        ProjectSource.objects.filter(
            pk__in=[existing[record_key(batch[i])].source_pk for i in touch]
        ).update(last_seen=seen_at, still_listed=True, missed_runs=0)
        # Seen again: confirmed by the source (the index's date and bucket follow, in bulk).
        sources_seen([existing[record_key(batch[i])].page_id for i in touch], seen_at)
    for i, page_id in attach:
        try:
            with transaction.atomic():
                page = ProjectPage.objects.get(pk=page_id)
                add_source(page, batch[i], source_key=source_key, partner=partner, seen_at=seen_at)
            outcomes[i] = BulkOutcome(offset + i, batch[i], "attached", page_id)
        except Exception as error:  # noqa: BLE001 - reported per record
            logger.exception("Attaching %s to page %s failed", record_key(batch[i]), page_id)
            outcomes[i] = BulkOutcome(offset + i, batch[i], "failed", error=_reason(error))
    if new:
        valid, invalid, built = validate_pages(batch, new)
        slow.extend(invalid)
        if valid:
            try:
                with transaction.atomic():
                    created = create_pages(
                        [batch[i] for i in valid],
                        source_key=source_key,
                        partner=partner,
                        seen_at=seen_at,
                        image_fetcher=image_fetcher,
                        pages=[built[i] for i in valid],
                        stream=stream,
                    )
                for i, page_id in zip(valid, created, strict=True):
                    outcomes[i] = BulkOutcome(offset + i, batch[i], "created", page_id)
            except Exception:  # noqa: BLE001 - fall back on the one-by-one path
                logger.exception("Bulk creation failed; retrying record by record")
                slow.extend(valid)
    for i in sorted(slow):
        outcomes[i] = _one_by_one(
            batch[i], offset + i, source_key, partner, seen_at, image_fetcher, resolve_new
        )
    return [outcomes[i] for i in sorted(outcomes)]


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, ServiceError) else f"{type(error).__name__}: {error}"


def _one_by_one(record, index, source_key, partner, seen_at, image_fetcher, resolve_new=None):
    try:
        if resolve_new and find_project(source_key, record.source_id, record.source_url) is None:
            target = resolve_new(record)
            if target:
                with transaction.atomic():
                    page = ProjectPage.objects.get(pk=target)
                    add_source(
                        page, record, source_key=source_key, partner=partner, seen_at=seen_at
                    )
                return BulkOutcome(index, record, "attached", target)
        result = upsert_project(
            record,
            source_key=source_key,
            partner=partner,
            seen_at=seen_at,
            image_fetcher=image_fetcher,
        )
        return BulkOutcome(
            index,
            record,
            result.action,
            result.page.pk if result.page else None,
            kept_curated=tuple(result.kept_curated),
        )
    except ServiceError as error:
        return BulkOutcome(index, record, "invalid", error=str(error))
    except Exception as error:  # noqa: BLE001 - one bad record must not stop the run
        logger.exception("Record %s failed", record_key(record))
        return BulkOutcome(index, record, "failed", error=_reason(error))
