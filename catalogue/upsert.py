"""One record, one page: create or update the project page a record describes.

`upsert_project` (exposed as `catalogue.services.upsert_project`) is the normal path, one
transaction per record: update key, content hash, curated fields kept, drafts in moderation
respected, provenance recorded. The bulk path (`catalogue.bulk`) sends here every record it
does not create or touch itself. Imports the shared rules (`page_values`, `provenance`,
`site_tree`), never `services` nor `bulk`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import PartnerPage, ProjectPage
from .page_values import (
    ServiceError,
    apply_values,
    record_values,
    set_codes_and_tags,
    set_distinctions,
)
from .provenance import curated_field_names, find_project, record_source, touch_source
from .records import ProjectRecord
from .site_tree import get_project_index, unique_slug


@dataclass
class UpsertResult:
    page: ProjectPage | None
    action: str  # "created", "updated", "unchanged"
    kept_curated: list[str] = field(default_factory=list)


def upsert_project(
    record: ProjectRecord,
    *,
    source_key: str,
    partner: PartnerPage | None = None,
    seen_at: datetime | None = None,
    user=None,
    image_fetcher=None,
) -> UpsertResult:
    """Create or update the project page a record describes, in place (one transaction).

    Invalid data raises `ServiceError` with the reason, and nothing of that record is written.
    """
    try:
        with transaction.atomic():
            return _upsert_project(
                record,
                source_key=source_key,
                partner=partner,
                seen_at=seen_at,
                user=user,
                image_fetcher=image_fetcher,
            )
    except ValidationError as error:
        details = "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            for field, messages in getattr(error, "message_dict", {"": error.messages}).items()
        )
        raise ServiceError(f"Fiche invalide ({details})") from error


def _upsert_project(
    record: ProjectRecord,
    *,
    source_key: str,
    partner: PartnerPage | None = None,
    seen_at: datetime | None = None,
    user=None,
    image_fetcher=None,
) -> UpsertResult:
    """Create or update the project page a record describes, in place.

    One transaction per record: a crash leaves every page consistent. `image_fetcher`
    (callable url -> wagtail Image or None) downloads images; without it images are skipped.
    """
    if not record.title.strip():
        raise ServiceError("Fiche sans titre : impossible de créer une page.")
    seen_at = seen_at or timezone.now()
    record_hash = record.content_hash()
    page = find_project(source_key, record.source_id, record.source_url)

    if page is None:
        index = get_project_index()
        page = ProjectPage(slug=unique_slug(index, record.title))
        apply_values(page, record_values(record), set())
        set_codes_and_tags(page, record, set())
        set_distinctions(page, record)
        if image_fetcher and record.image_url:
            page.image = image_fetcher(record.image_url)
        index.add_child(instance=page)
        page.save_revision(user=user, log_action=True).publish(user=user)
        record_source(page, record, source_key, partner, seen_at, record_hash)
        return UpsertResult(page=page, action="created")

    source = page.sources.filter(source_key=source_key).first()
    if source and source.content_hash == record_hash and page.live:
        touch_source(source, seen_at)
        return UpsertResult(page=page, action="unchanged")

    # A pending draft (an editor's or a holder's edit in moderation) receives the harvest's
    # changes as a new draft; it is never published behind the moderators' back.
    has_draft = page.has_unpublished_changes and page.live
    if has_draft:
        page = page.get_latest_revision_as_object()
    else:
        page = page.specific
    curated = curated_field_names(page)
    changed, kept = apply_values(page, record_values(record), curated)
    if set_codes_and_tags(page, record, curated):
        changed.append("codes/tags")
    if set_distinctions(page, record):
        changed.append("distinctions")
    if image_fetcher and record.image_url and not page.image_id and "image" not in curated:
        page.image = image_fetcher(record.image_url)
        if page.image is not None:
            changed.append("image")
    restored = source is not None and not source.still_listed
    if changed or (restored and not page.live):
        revision = page.save_revision(user=user, log_action=True)
        if not has_draft:
            revision.publish(user=user)
    record_source(page, record, source_key, partner, seen_at, record_hash)
    action = "updated" if changed or restored else "unchanged"
    return UpsertResult(page=page, action=action, kept_curated=kept)
