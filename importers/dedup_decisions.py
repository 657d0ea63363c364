"""Editors' duplicate decisions, remembered across runs, and what the review queue compares.

A decision names the harvested record by its source and update key (`services.record_key`),
not by the page made for it: the page may be merged, deleted, made again by a later run, and
the decision still holds. `decisions_for(source)` is read once per run by the pipeline.
"""

from __future__ import annotations

from django.utils import timezone

#: The fields the review queue sets side by side (those a person compares to decide).
COMPARED_FIELDS = (
    "title", "structure_name", "summary", "website", "address", "postal_code", "city",
    "contact_email", "contact_phone", "start_year",
)  # fmt: skip


def key_text(key: tuple[str, str]) -> str:
    kind, value = key
    return f"{kind}:{value}"[:1100]


def _source_key_of(page, source_key: str) -> str | None:
    source = page.sources.filter(source_key=source_key).first()
    if source is None:
        return None
    return key_text(("id", source.source_id) if source.source_id else ("url", source.source_url))


def remember(candidate, *, same: bool, user=None) -> bool:
    """Keep the decision on this candidate for later runs (before a merge moves its source)."""
    from .models import DuplicateDecision

    if candidate.source is None:
        return False
    source_key = candidate.source.name
    record = _source_key_of(candidate.project, source_key)
    if record is None:
        return False
    DuplicateDecision.objects.update_or_create(
        source_key=source_key,
        record_key=record,
        existing=candidate.existing,
        defaults={"same": same, "decided_by": user, "decided_at": timezone.now()},
    )
    return True


def decisions_for(source_key: str) -> dict[str, dict[int, bool]]:
    """{record key: {existing page id: same?}} of one source, live existing pages only."""
    from .models import DuplicateDecision

    found: dict[str, dict[int, bool]] = {}
    rows = DuplicateDecision.objects.filter(source_key=source_key, existing__live=True)
    for record, page_id, same in rows.values_list("record_key", "existing_id", "same"):
        found.setdefault(record, {})[page_id] = same
    return found


def differences(project, existing) -> list[dict]:
    """The compared fields of two pages, each marked when their values differ."""
    from catalogue.models import ProjectPage

    rows = []
    for name in COMPARED_FIELDS:
        a, b = getattr(project, name, ""), getattr(existing, name, "")
        a, b = ("" if a is None else str(a)), ("" if b is None else str(b))
        if not a and not b:
            continue
        rows.append(
            {
                "label": ProjectPage._meta.get_field(name).verbose_name,
                "project": a,
                "existing": b,
                "differs": a.strip().casefold() != b.strip().casefold(),
            }
        )
    return rows


def same_page(decided: dict[int, bool], claimed: set[int]) -> int | None:
    for page_id, same in decided.items():
        if same and page_id not in claimed:
            return page_id
    return None


def apart(decided: dict[int, bool]) -> set[int]:
    return {page_id for page_id, same in decided.items() if not same}
