"""What the preview shows: per item, the values as extracted, after the field transforms, and
the record the normalisation makes of them, side by side; saves nothing (offline geocoding
only, no unknown tag recorded). Used for a saved source and for the configuration being typed.
"""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext_lazy

from importers.crawl.config import ConfigError
from importers.crawl.transforms import transform_item
from importers.geocode import Geocoder
from importers.models import Source
from importers.normalise.items import Outcome, field_attribute, get_normaliser
from importers.recoding import Recoder

RECORD_FIELDS = (
    ("title", gettext_lazy("Titre")),
    ("source_id", gettext_lazy("Identifiant")),
    ("source_url", gettext_lazy("Page d'origine")),
    ("summary", gettext_lazy("Résumé")),
    ("description", gettext_lazy("Description")),
    ("website", gettext_lazy("Site")),
    ("contact_email", gettext_lazy("Courriel")),
    ("contact_phone", gettext_lazy("Téléphone")),
    ("structure_name", gettext_lazy("Structure")),
    ("structure_kind", gettext_lazy("Type de structure")),
    ("image_url", gettext_lazy("Image")),
    ("address", gettext_lazy("Adresse")),
    ("postal_code", gettext_lazy("Code postal")),
    ("city", gettext_lazy("Commune")),
    ("insee_code", gettext_lazy("Code INSEE")),
    ("latitude", gettext_lazy("Latitude")),
    ("longitude", gettext_lazy("Longitude")),
    ("location_note", gettext_lazy("Remarque de localisation")),
    ("start_year", gettext_lazy("Année")),
    ("codes", gettext_lazy("Codes (nomenclature)")),
    ("tags", gettext_lazy("Mots-clés")),
)


def _normalise(source: Source, items: list[dict]) -> dict[int, list[tuple[Outcome, list]]]:
    """Outcomes per item (by identity: items of a file or an API page share one URL)."""
    normaliser = get_normaliser(source.normaliser, source.name)
    recoder = Recoder(source)  # the rules of its mapping label, saved source or not
    geocoder = Geocoder(ban_enabled=False)
    outcomes = [o for item in items for o in normaliser.feed(item)] + normaliser.close()
    by_item: dict[int, list[tuple[Outcome, list]]] = {}
    for outcome in outcomes:
        record = outcome.record
        unknown: list[str] = []
        if record is not None:
            if record.raw_tags and recoder.rules:
                record.codes, unknown = recoder.recode(record.raw_tags)
            elif record.raw_tags:
                unknown = list(record.raw_tags)
            geocoder.geocode(record)
        by_item.setdefault(id(outcome.raw), []).append((outcome, unknown))
    return by_item


def _field_rows(item: dict, config_fields: list[str]) -> list[dict]:
    listed = item.get("fields_list") or {}
    raw = item.get("fields_raw") or item["fields"]
    names = list(dict.fromkeys([*listed, *raw, *item["fields"], *config_fields]))
    return [
        {
            "name": name,
            "attribute": field_attribute(name) or "",
            "list": listed.get(name),
            "detail": (item.get("fields_detail") or {}).get(name),
            "raw": raw.get(name, []),
            "values": item["fields"].get(name, []),
            "transformed": raw.get(name, []) != item["fields"].get(name, []),
        }
        for name in names
    ]


def _record_rows(record) -> list[dict]:
    data = dataclasses.asdict(record)
    rows = []
    for attr, label in RECORD_FIELDS:
        value = data.get(attr)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append({"label": label, "value": value if value not in (None, "") else ""})
    return rows


#: Fields of the source form the preview of a typed configuration reads (the others do not
#: change what the first page gives).
DRAFT_NUMBERS = {"download_timeout": float, "max_pages": int, "max_items": int}


def draft_source(data, instance: Source | None = None) -> tuple[Source, list[str]]:
    """An unsaved `Source` from the source form's fields as typed (`data`: request.POST), and
    the form's own errors (broken JSON) when there is nothing to preview."""
    import json

    from django.utils.translation import gettext as _

    try:
        config = json.loads(data.get("config") or "{}")
    except ValueError as error:
        return Source(), [
            _("JSON invalide : vérifiez les guillemets, virgules et accolades.") + f" ({error})"
        ]
    source = Source(
        pk=instance.pk if instance is not None else None,
        name=(data.get("name") or "").strip() or _("Nouvelle source"),
        kind=data.get("kind") or "html",
        normaliser=data.get("normaliser") or "generic",
        mapping_label=(data.get("mapping_label") or "").strip(),
        config=config,
        obey_robots=bool(data.get("obey_robots")),
    )
    if instance is not None and instance.csv_file:
        source.csv_file = instance.csv_file
    for name, kind in DRAFT_NUMBERS.items():
        try:
            setattr(source, name, kind(data.get(name)))
        except (TypeError, ValueError):
            pass
    if not isinstance(config, dict):
        return source, [_("La configuration doit être un objet JSON ({…}).")]
    return source, []


def build_preview(source: Source, max_items: int = 5) -> dict:
    """Run the preview of a source (saved or not) and normalise its items; saves nothing."""
    from importers.crawl.preview import preview

    try:
        config = source.build_config()
    except ConfigError as error:
        return {"config_errors": error.messages}
    result = preview(config, max_items=max_items)
    result.items = [transform_item(item, config.transforms) for item in result.items]
    by_item = _normalise(source, result.items)
    config_fields = config.field_names() or []
    items = []
    for index, item in enumerate(result.items, start=1):
        normalised = [
            {
                "reason": outcome.reason,
                "record": outcome.record,
                "rows": _record_rows(outcome.record) if outcome.record is not None else [],
                "unknown_tags": unknown,
            }
            for outcome, unknown in by_item.get(id(item), [])
        ]
        items.append(
            {
                "number": index,
                "position": item.get("position"),
                "line": item.get("line"),
                "url": item["url"],
                "own_page": item["url"] != item.get("list_url"),
                "detail_fetched": item.get("detail_fetched"),
                "fields": _field_rows(item, config_fields),
                "normalised": normalised,
            }
        )
    selectors = [
        {
            "name": name,
            "selector": report.get("selector"),
            "list": report.get("list"),
            "detail": report.get("detail"),
            "unmatched": name in result.unmatched,
        }
        for name, report in result.selectors.items()
    ]
    return {
        "result": result,
        "items": items,
        "selectors": selectors,
        "unmatched": result.unmatched,
        "errors": result.errors,
    }
