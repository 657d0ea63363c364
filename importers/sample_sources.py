"""The sample data's partners as configured harvest sources, harvested through the harvester.

`importers/data/sample-sources.json` declares each source (kind, normaliser, configuration,
partner, licence, recoding rules), so the demo site's records arrive the way a partner's do:
a `Source` an editor sees and re-runs in the admin, a `HarvestRun` per run with its counts,
its recoding rules editable, cross-source duplicates merged or queued by the pipeline. The 2018
OpenScraper configurations are imported beside them, disabled, with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from importers.harvest import run_source
from importers.models import HarvestRun, Source, TagMapping
from importers.recoding import tag_key
from importers.sources_import import import_sources

DEFINITIONS = Path(__file__).resolve().parent / "data" / "sample-sources.json"
#: What a definition may set on a `Source` (the rest are the model's defaults).
SOURCE_FIELDS = ("kind", "normaliser", "config", "mapping_label", "licence")


@dataclass
class SourceOutcome:
    source: Source
    run: HarvestRun
    action: str  # created, updated, unchanged (the source's configuration)


def definitions(path: Path = DEFINITIONS) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def partner_licences(defs: dict) -> dict[str, str]:
    """Partner name -> the licence of its data, as declared with its source."""
    return {
        d["partner"]["name"]: d["partner"]["data_licence"]
        for d in defs["sources"]
        if d.get("partner", {}).get("data_licence")
    }


def stored_config(definition: dict, data_dir: Path) -> dict:
    """The definition's configuration with its file path resolved in the shared data folder."""
    config = dict(definition.get("config") or {})
    if config.get("path"):
        config["path"] = str(Path(data_dir) / config["path"])
    return config


def seed_mappings(defs: dict) -> int:
    """The sources' declared recoding rules as editable `TagMapping` rows (created once:
    an editor's later change to a rule is kept)."""
    from catalogue.models import NomenclatureCode

    known = {c.code: c for c in NomenclatureCode.objects.all()}
    created = 0
    for definition in defs["sources"]:
        label = definition.get("mapping_label")
        for tag, codes in (definition.get("tag_mappings") or {}).items():
            missing = [c for c in codes if c not in known]
            if missing:
                raise ValueError(f"{label} / {tag} : codes inconnus {missing}")
            mapping, was_created = TagMapping.objects.get_or_create(
                source_label=label,
                tag_key=tag_key(tag),
                defaults={"tag": tag, "origin": "sample-sources"},
            )
            if was_created:
                mapping.codes.set([known[c] for c in codes])
                created += 1
    return created


def ensure_source(definition: dict, partners: dict, data_dir: Path) -> tuple[Source, str]:
    """Create the source, or bring its configuration in line with the definition (an editor's
    choices — enabled, schedule, politeness — are kept)."""
    values = {name: definition[name] for name in SOURCE_FIELDS if name in definition}
    values["config"] = stored_config(definition, data_dir)
    partner = partners.get(definition.get("partner", {}).get("name"))
    source = Source.objects.filter(name=definition["name"]).first()
    if source is None:
        source = Source(name=definition["name"], partner=partner, **values)
        source.enabled = definition.get("enabled", True)
        source.full_clean()
        source.save()
        return source, "created"
    changed = [k for k, v in values.items() if getattr(source, k) != v]
    if source.partner_id is None and partner is not None:
        source.partner = partner
        changed.append("partner")
    if not changed:
        return source, "unchanged"
    for name in changed:
        if name != "partner":
            setattr(source, name, values[name])
    source.full_clean()
    source.save()
    return source, "updated"


def harvest_sample_sources(
    defs: dict,
    partners: dict,
    *,
    data_dir: Path | None = None,
    progress_factory=None,
    image_fetcher=None,
) -> list[SourceOutcome]:
    """Create or update each declared source, then harvest it now, in this process (local
    CSV files are read without the crawling reactor, so several runs fit in one process)."""
    data_dir = Path(data_dir or settings.SHARED_DATA_DIR)
    seed_mappings(defs)
    outcomes = []
    for definition in defs["sources"]:
        with transaction.atomic():
            source, action = ensure_source(definition, partners, data_dir)
        progress = progress_factory(None, source.name) if progress_factory else None
        try:
            run = run_source(source, progress=progress, image_fetcher=image_fetcher)
        finally:
            if progress is not None:
                progress.close()
        outcomes.append(SourceOutcome(source, run, action))
    return outcomes


def import_openscraper(defs: dict, data_dir: Path | None = None):
    """The partners' 2018 OpenScraper configurations as sources, disabled with the reason."""
    spec = defs.get("openscraper")
    if not spec:
        return []
    path = Path(data_dir or settings.SHARED_DATA_DIR) / spec["file"]
    return import_sources(path, rename=spec.get("rename"), disabled_reason=spec.get("status", ""))
