"""Writing suggested codes, and an editor's confirmation of them (used through `services`).

Suggestions are stored in bulk per harvest batch (three queries, whatever the batch size), and
never for a code the page already carries. Confirming adds the codes to each page as a new
revision (published when the page had no pending draft, as every harvest update is), except on
pages whose codes an editor curated by hand, and removes the suggestions it settles.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from .models import CuratedField, NomenclatureCode, ProjectPage, SuggestedCode
from .rows import insert_values
from .search.indexer import set_suggested_facets

_SUGGESTION_COLUMNS = [
    "project",
    "code",
    "source_key",
    "keyword",
    "keyword_key",
    "score",
    "reasons",
    "created_at",
]


def set_suggested_codes(source_key: str, by_page: dict[int, list[dict]]) -> int:
    """Replace the suggestions of these pages from this source; returns how many were stored.

    `by_page`: page id → [{"code", "keyword", "keyword_key", "score", "reasons"}, …]."""
    if not by_page:
        return 0
    codes = {c.code: c.pk for c in NomenclatureCode.objects.all()}
    through = ProjectPage.codes.through
    carried = set(
        through.objects.filter(projectpage_id__in=list(by_page)).values_list(
            "projectpage_id", "nomenclaturecode_id"
        )
    )
    # One suggestion per page and code: another source's suggestion of the same code stands.
    carried |= set(
        SuggestedCode.objects.filter(project_id__in=list(by_page))
        .exclude(source_key=source_key[:120])
        .values_list("project_id", "code_id")
    )
    rows, seen = [], set()
    # Plain tuples (see `catalogue.rows.insert_values`); the two non-plain values prepared here.
    reasons_field = SuggestedCode._meta.get_field("reasons")
    now = SuggestedCode._meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    for page_id, suggestions in by_page.items():
        for s in suggestions:
            code_id = codes.get(s["code"])
            if code_id is None or (page_id, code_id) in carried or (page_id, code_id) in seen:
                continue
            seen.add((page_id, code_id))
            reasons = list(s.get("reasons") or [])[:5]
            rows.append(
                (
                    page_id,
                    code_id,
                    source_key[:120],
                    (s.get("keyword") or "")[:255],
                    (s.get("keyword_key") or "")[:255],
                    float(s.get("score") or 0.0),
                    reasons_field.get_db_prep_save(reasons, connection),
                    now,
                )
            )
    with transaction.atomic():
        SuggestedCode.objects.filter(project_id__in=list(by_page), source_key=source_key).delete()
        insert_values(SuggestedCode, _SUGGESTION_COLUMNS, rows)
        set_suggested_facets(by_page)
    return len(rows)


def clear_suggested_codes(source_key: str, page_ids) -> None:
    """Pages now coded by rules keep no suggestion from this source."""
    SuggestedCode.objects.filter(project_id__in=list(page_ids), source_key=source_key).delete()
    set_suggested_facets(page_ids)


def pages_with_keyword(source_key: str, keyword_key: str) -> list[int]:
    """The pages this source's keyword suggested codes to (those an editor's rule will code)."""
    rows = SuggestedCode.objects.filter(source_key=source_key, keyword_key=keyword_key)
    return sorted(set(rows.values_list("project_id", flat=True)))


def confirm_codes(page_ids, code_names, *, user=None) -> dict[str, int]:
    """Add these codes to these pages (an editor confirmed them); counts of what happened."""
    wanted = list(NomenclatureCode.objects.filter(code__in=list(code_names)))
    counts = {"coded": 0, "unchanged": 0, "curated": 0}
    curated = set(
        CuratedField.objects.filter(project_id__in=list(page_ids), field_name="codes").values_list(
            "project_id", flat=True
        )
    )
    for page in ProjectPage.objects.filter(pk__in=list(page_ids)).order_by("pk"):
        if page.pk in curated:
            counts["curated"] += 1
            continue
        with transaction.atomic():
            # A pending draft gets the codes as a new draft, never published behind the
            # moderators' back (as a harvest update does).
            has_draft = page.has_unpublished_changes and page.live
            draft = page.get_latest_revision_as_object() if has_draft else page
            current = list(draft.codes.all())
            missing = [c for c in wanted if c.pk not in {k.pk for k in current}]
            if not missing:
                counts["unchanged"] += 1
            else:
                draft.codes = current + missing
                revision = draft.save_revision(user=user, log_action=True)
                if not has_draft:
                    # What the next harvest would publish under the new rule, now: the caller
                    # checked the right to write rules (harvests publish without a user).
                    revision.publish(user=user, skip_permission_checks=True)
                counts["coded"] += 1
            SuggestedCode.objects.filter(project=page, code__in=wanted).delete()
    return counts


def settle_suggestions(source_key: str, keyword_key: str, page_ids, code_names=None) -> int:
    """An editor settled these suggestions (confirmed or corrected them): this source's
    suggestions from this keyword ("" for the title and description; then only of the codes
    named) leave these pages. Returns how many were removed."""
    rows = SuggestedCode.objects.filter(
        project_id__in=list(page_ids), source_key=source_key, keyword_key=keyword_key
    )
    if code_names is not None:
        rows = rows.filter(code__code__in=list(code_names))
    removed, _kinds = rows.delete()
    if removed:
        set_suggested_facets(page_ids)
    return removed


def pages_with_text_suggestion(source_key: str, code_name: str) -> list[int]:
    """The pages whose title and description suggested this code (no keyword of theirs did)."""
    rows = SuggestedCode.objects.filter(source_key=source_key, keyword_key="", code__code=code_name)
    return sorted(set(rows.values_list("project_id", flat=True)))


def text_suggestion_groups(limit: int = 25, examples: int = 3) -> list[dict]:
    """Suggestions made from records' title and description, grouped by source and code, most
    pages first: [{"source_key", "code", "name", "pages", "reasons", "examples": [page]}].
    Two queries, and one read of the groups' rows stopping once each has its examples."""
    from django.db.models import Count

    groups = list(
        SuggestedCode.objects.filter(keyword_key="")
        .values("source_key", "code__code", "code__name")
        .annotate(pages=Count("project", distinct=True))
        .order_by("-pages", "source_key", "code__code")[:limit]
    )
    out = {
        (g["source_key"], g["code__code"]): {
            "source_key": g["source_key"],
            "code": g["code__code"],
            "name": g["code__name"],
            "pages": g["pages"],
            "reasons": [],
            "examples": [],
        }
        for g in groups
    }
    if not out:
        return []
    rows = (
        SuggestedCode.objects.filter(
            keyword_key="",
            source_key__in={k[0] for k in out},
            code__code__in={k[1] for k in out},
        )
        .select_related("project", "code")
        .order_by("-score", "pk")
    )
    wanting = set(out)
    for s in rows.iterator(chunk_size=200):
        group = out.get((s.source_key, s.code.code))
        if group is None or len(group["examples"]) >= examples:
            continue
        group["examples"].append(s.project)
        group["reasons"] = group["reasons"] or list(s.reasons)
        if len(group["examples"]) >= min(examples, group["pages"]):
            wanting.discard((s.source_key, s.code.code))
            if not wanting:
                break
    return list(out.values())
