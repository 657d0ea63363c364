"""Creating and updating `Source` rows from OpenScraper spider configurations.

Used by ``manage.py import_sources FILE``. Sources are matched by name (case- and accent-
insensitive); an update refreshes the extraction configuration and politeness read from the
file but keeps the editors' choices (enabled, schedule, partner, licence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from catalogue.models import PartnerPage
from importers.crawl.config import from_openscraper
from importers.models import Source
from importers.normalise.clean import fold
from importers.normalise.items import IGNORED, field_attribute
from importers.recoding import match_mapping_label

#: Partners whose records need a normaliser of their own.
NORMALISER_BY_NAME = {"apriles": "apriles"}


@dataclass
class ImportReport:
    name: str
    action: str  # created, updated, unchanged, skipped
    messages: list[str] = field(default_factory=list)
    source: Source | None = None


def read_spiders(path: str | Path) -> tuple[list[dict], list[dict]]:
    """(spiders, datamodel) of a file in the format of openscraper-spiders.json.

    Accepts the whole export ({"datamodel", "spiders"}), a list of spiders, or one spider.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and "spiders" in data:
        return list(data["spiders"]), list(data.get("datamodel") or [])
    if isinstance(data, list):
        return data, []
    if isinstance(data, dict) and "scraper_config" in data:
        return [data], list(data.get("datamodel") or [])
    raise ValueError("Format inconnu : ni export OpenScraper, ni liste de configurations.")


def _default_datamodel() -> list[dict]:
    """The data model shipped with the real export (fields are keyed by its ids)."""
    from django.conf import settings

    path = Path(settings.SHARED_DATA_DIR) / "openscraper-spiders.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8")).get("datamodel") or []
    return []


def find_partner(name: str, spider_id: str = "") -> PartnerPage | None:
    if spider_id:
        partner = PartnerPage.objects.filter(openscraper_spider_id=spider_id).first()
        if partner is not None:
            return partner
    key = fold(name)
    for partner in PartnerPage.objects.all().only("pk", "title"):
        if fold(partner.title) == key:
            return partner
    return None


def import_spider(
    spider: dict[str, Any],
    datamodel: list[dict],
    *,
    rename: dict[str, str] | None = None,
    disabled_reason: str = "",
) -> ImportReport:
    """One spider as a source. `rename` gives some spiders another source name (when a
    source of the same partner already holds that name); with `disabled_reason`, a source
    created here starts disabled and flagged, the reason shown in the admin."""
    conversion = from_openscraper(spider, datamodel)
    config, messages = conversion.config, list(conversion.messages)
    original = config.name.strip()
    name = (rename or {}).get(original, original)
    if not name:
        return ImportReport("?", "skipped", ["Configuration sans nom : ignorée."])
    for fs in config.fields:
        if field_attribute(fs.name) is None:
            messages.append(f"Champ « {fs.name} » sans équivalent dans les fiches : ignoré.")
        elif field_attribute(fs.name) in IGNORED:
            messages.append(f"Champ « {fs.name} » non repris dans les fiches.")
    stored = config.to_dict()
    for key in ("kind", "name", "limits", "spider"):
        stored.pop(key, None)
    values = {
        "kind": config.kind,
        "config": stored,
        "download_delay": config.limits.download_delay,
        "max_pages": config.limits.max_pages,
    }
    key = fold(name)
    source = next((s for s in Source.objects.all() if fold(s.name) == key), None)
    with transaction.atomic():
        if source is None:
            source = Source(name=name, **values)
            source.normaliser = NORMALISER_BY_NAME.get(fold(original), "generic")
            source.partner = find_partner(original, str(spider.get("_id") or ""))
            source.mapping_label = match_mapping_label(original) or ""
            notes = (spider.get("infos") or {}).get("notes") or ""
            source.import_notes = "\n".join([*messages, *([f"Notes : {notes}"] if notes else [])])
            problems = source.config_problems()
            reasons = [disabled_reason] if disabled_reason else []
            if problems:
                # Kept (the file says this partner exists) but disabled until an editor fixes it.
                reasons.append("Configuration incomplète : " + " ; ".join(problems))
            else:
                source.full_clean()
            if reasons:
                source.enabled = False
                source.needs_attention = True
                source.attention_reason = "\n".join(reasons)
                messages.append(" ".join(reasons) + " Source créée désactivée.")
            source.save()
            action = "created"
        else:
            changed = [k for k, v in values.items() if getattr(source, k) != v]
            for k in changed:
                setattr(source, k, values[k])
            if changed:
                source.import_notes = "\n".join(messages)
                problems = source.config_problems()
                if problems:
                    source.enabled = False
                    source.needs_attention = True
                    source.attention_reason = "Configuration incomplète : " + " ; ".join(problems)
                    messages.append(source.attention_reason + " Source désactivée.")
                else:
                    source.full_clean()
                source.save()
            action = "updated" if changed else "unchanged"
    if source.partner is None:
        messages.append("Aucun partenaire de ce nom : à relier dans l'administration.")
    if not source.mapping_label:
        messages.append("Aucune table de correspondance de mots-clés pour cette source.")
    elif action == "created":
        messages.append(f"Correspondances de mots-clés : « {source.mapping_label} ».")
    return ImportReport(name, action, messages, source)


def import_sources(
    path: str | Path, *, rename: dict[str, str] | None = None, disabled_reason: str = ""
) -> list[ImportReport]:
    spiders, datamodel = read_spiders(path)
    datamodel = datamodel or _default_datamodel()
    reports = []
    for spider in spiders:
        try:
            reports.append(
                import_spider(spider, datamodel, rename=rename, disabled_reason=disabled_reason)
            )
        except Exception as error:  # noqa: BLE001 - one bad entry must not stop the others
            name = ((spider.get("infos") or {}).get("name") or "?").strip()
            messages = getattr(error, "messages", None) or [str(error)]
            reports.append(ImportReport(name, "skipped", [f"Non importée : {m}" for m in messages]))
    return reports
