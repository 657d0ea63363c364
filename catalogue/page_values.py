"""A record's values as page field values: the rules every writer of project pages shares.

What a record proposes (`record_values`: empty values are not proposals), made safe
(`safe_value`, the sanitiser by field kind) and cut to the fields' lengths (`fit`); set on a
page except where a person curated the field (`apply_values`); codes, keywords and
distinctions likewise. The one-record path (`catalogue.upsert`), the bulk path
(`catalogue.bulk`) and the holders' edits (`catalogue.holder_edit`) all use these; this module
imports none of them.
"""

from __future__ import annotations

from .keywords import keyword_names
from .models import NomenclatureCode, ProjectDistinction, ProjectPage
from .project_fields import ONE_LINE_FIELDS, PLAIN_FIELDS, SOCIAL_FIELDS, URL_FIELDS
from .records import ProjectRecord
from .richtext import editor_html_of_text
from .sanitise import one_line, plain_text, rich_text, safe_url, text_to_rich_text


class ServiceError(Exception):
    """A record that cannot be written; the message says why, in French for editors."""


def description_html(text: str) -> str:
    """A record's description (plain text: paragraphs split by blank lines) as rich text.

    Markup in a record's text is text: the normalisers already took the partner's markup
    apart, so a "<" left in it is shown as typed, never parsed again."""
    return text_to_rich_text(text)


def safe_value(name: str, value):
    """A page field's value made safe for storage: what any writer gives passes here.

    Rich text through the allow-list, plain text without markup or control characters,
    addresses only with an http(s) scheme (a ``javascript:`` link is dropped, not stored)."""
    if not isinstance(value, str):
        return value
    if name in ("description", "intro"):
        return rich_text(value)
    if name in URL_FIELDS:
        return safe_url(value)
    if name in ONE_LINE_FIELDS:
        return one_line(value)
    return plain_text(value).strip()


def fit(name: str, value):
    """Cut text to the field's length (an over-long source value must not lose the record)."""
    if isinstance(value, str):
        max_length = ProjectPage._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            return value[: max_length - 1].rstrip() + "…"
    return value


def record_values(record: ProjectRecord) -> dict:
    """The page field values a record proposes (empty values are not proposals)."""
    values = _raw_values(record)
    # The description is built as rich text from the record's plain text (safe already).
    safe = {n: v if n == "description" else safe_value(n, v) for n, v in values.items()}
    return {name: fit(name, value) for name, value in safe.items() if value not in ("", None)}


def _raw_values(record: ProjectRecord) -> dict:
    values = {}
    if record.title.strip():
        values["title"] = record.title.strip()[:255]
    for name in PLAIN_FIELDS:
        value = getattr(record, name)
        if value not in ("", None):
            values[name] = value
    if record.description:
        # = editor_html(description_html(…)), made from the text's blocks directly
        values["description"] = editor_html_of_text(record.description)
    for key, field_name in SOCIAL_FIELDS.items():
        if record.social_links.get(key):
            values[field_name] = record.social_links[key]
    if record.latitude is not None and record.longitude is not None:
        values["latitude"] = record.latitude
        values["longitude"] = record.longitude
    return values


def apply_values(page: ProjectPage, values: dict, curated: set[str]) -> tuple[list[str], list[str]]:
    """Set values on the page, except curated fields. Returns (changed, kept_curated)."""
    changed, kept = [], []
    for name, value in values.items():
        guard = "location" if name in ("latitude", "longitude") else name
        if guard in curated:
            if getattr(page, name) != value:
                kept.append(name)
            continue
        if getattr(page, name) != value:
            setattr(page, name, value)
            changed.append(name)
    if "latitude" in changed or "longitude" in changed:
        page.location = ""  # re-derived from the floats in ProjectPage.save()
    return changed, kept


def set_codes_and_tags(page: ProjectPage, record: ProjectRecord, curated: set[str]) -> bool:
    changed = False
    if record.codes and "codes" not in curated:
        wanted = set(
            NomenclatureCode.objects.filter(code__in=record.codes).values_list("pk", flat=True)
        )
        current = {c.pk for c in page.codes.all()}
        if wanted != current:
            page.codes = list(NomenclatureCode.objects.filter(pk__in=wanted))
            changed = True
    if record.tags and "tags" not in curated:
        wanted_tags = sorted(keyword_names(one_line(t) for t in record.tags))
        current_tags = sorted(t.name for t in page.tags.all())
        if wanted_tags != current_tags:
            page.tags.set(wanted_tags, clear=True)
            changed = True
    return changed


def set_distinctions(page: ProjectPage, record: ProjectRecord) -> bool:
    wanted = [
        (one_line(d.name)[:255], d.year, safe_url(d.url))
        for d in record.distinctions
        if one_line(d.name)
    ]
    current = [(d.name, d.year, d.url) for d in page.distinctions.all()]
    if not wanted or set(wanted) <= set(current):
        return False
    merged = current + [w for w in wanted if w not in current]
    page.distinctions = [ProjectDistinction(name=n, year=y, url=u) for n, y, u in merged]
    return True
