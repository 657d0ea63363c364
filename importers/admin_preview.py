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
    recoder = Recoder(source) if source.pk else None
    geocoder = Geocoder(ban_enabled=False)
    outcomes = [o for item in items for o in normaliser.feed(item)] + normaliser.close()
    by_item: dict[int, list[tuple[Outcome, list]]] = {}
    for outcome in outcomes:
        record = outcome.record
        unknown: list[str] = []
        if record is not None:
            if record.raw_tags and recoder is not None and recoder.rules:
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
