"""Source definitions: one JSON format for every kind, read by ``import_sources`` and written by
``export_sources``.

A definition is ``{"name", "kind", "partner", "config", "mapping_label", "schedule", "enabled",
"politeness", "licence"}`` (plus ``normaliser``, ``spider`` and ``tag_mappings`` when needed),
where ``config`` is exactly what the admin's configuration field takes and ``tag_mappings`` the
source's keyword rules ``{keyword: [codes]}`` (exported whenever it has some). A file holds a
list of definitions, or ``{"sources": [...]}`` like ``importers/data/sample-sources.json``.

Importing is all or nothing: every definition is checked first (unknown keys, kind,
configuration, schedule, partner, politeness, duplicates) and one invalid entry saves nothing.
A definition updates the source of the same name (case- and accent-insensitive): the file says
what the source is, so the keys it gives replace the current values and the others are kept
(a rule the file gives takes the file's codes; rules it does not name stay). Exporting then
importing changes nothing, rules included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from catalogue.models import PartnerPage
from importers.models import Source
from importers.normalise.clean import fold

#: Politeness and limits: definition key -> `Source` field (same names).
POLITENESS = (
    "download_delay",
    "concurrency",
    "obey_robots",
    "download_timeout",
    "max_pages",
    "max_items",
    "unlisted_after",
    "unpublish_unlisted",
)
#: Definition keys copied as they are onto the `Source` field of the same name.
PLAIN = ("kind", "normaliser", "config", "mapping_label", "schedule", "enabled", "licence")
#: Every key a definition may hold, in the order `export_sources` writes them.
KEYS = (
    "name",
    "kind",
    "partner",
    "normaliser",
    "spider",
    "config",
    "mapping_label",
    "schedule",
    "enabled",
    "politeness",
    "licence",
    "tag_mappings",
)
_TYPES = {
    "name": str,
    "kind": str,
    "normaliser": str,
    "spider": str,
    "config": dict,
    "mapping_label": str,
    "schedule": str,
    "enabled": bool,
    "politeness": dict,
    "licence": str,
    "tag_mappings": dict,
}
_TYPE_NAMES = {str: "un texte", dict: "un objet {…}", bool: "true ou false"}


class SourcesFileError(ValueError):
    """An unusable definitions file; ``messages`` (French) say which entry and why."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass
class DefinitionReport:
    name: str
    action: str  # created, updated, unchanged
    messages: list[str] = field(default_factory=list)
    source: Source | None = None


def is_definitions(data: Any) -> bool:
    """True unless the file is OpenScraper's (``{"spiders": …}``, one spider, or a list of
    spiders): a list of anything else is read as definitions, so its mistakes are reported."""
    if isinstance(data, dict):
        return isinstance(data.get("sources"), list) and "spiders" not in data
    if isinstance(data, list):
        return not (data and all(isinstance(e, dict) and "scraper_config" in e for e in data))
    return False


def entries_of(data: Any) -> list:
    return data["sources"] if isinstance(data, dict) else data


# --- import ----------------------------------------------------------------------------------


def _resolve_path(config: dict, base_dir: Path | None) -> dict:
    """A CSV ``path`` relative to the definitions file (else to the shared data folder)."""
    path = config.get("path")
    if not isinstance(path, str) or not path or Path(path).is_absolute():
        return config
    for folder in (base_dir, Path(settings.SHARED_DATA_DIR)):
        if folder is not None and (Path(folder) / path).exists():
            return {**config, "path": str((Path(folder) / path).resolve())}
    return config


def _shape_problems(entry: Any, label: str) -> list[str]:
    if not isinstance(entry, dict):
        return [f"{label} : un objet {{…}} attendu."]
    problems = []
    unknown = sorted(str(k) for k in set(entry) - set(KEYS))
    if unknown:
        problems.append(
            f"{label} : clés inconnues {', '.join(unknown)} (clés possibles : {', '.join(KEYS)})."
        )
    for key in ("name", "kind", "config"):
        if key not in entry:
            problems.append(f"{label} : « {key} » manque.")
    for key, kind in _TYPES.items():
        if key in entry and not isinstance(entry[key], kind):
            problems.append(f"{label} : « {key} » doit être {_TYPE_NAMES[kind]}.")
    partner = entry.get("partner")
    if partner is not None and not isinstance(partner, str | dict):
        problems.append(f"{label} : « partner » doit être un nom de partenaire ou null.")
    unknown = sorted(set(entry.get("politeness") or {}) - set(POLITENESS))
    if isinstance(entry.get("politeness"), dict) and unknown:
        problems.append(
            f"{label} : politesse, clés inconnues {', '.join(unknown)} "
            f"(clés possibles : {', '.join(POLITENESS)})."
        )
    return problems


def _partner(entry: dict, label: str) -> tuple[PartnerPage | None, list[str]]:
    value = entry.get("partner")
    name = value.get("name") if isinstance(value, dict) else value
    if not name:
        return None, []
    key = fold(str(name))
    found = [p for p in PartnerPage.objects.only("pk", "title") if fold(p.title) == key]
    if not found:
        return None, [f"{label} : aucun partenaire « {name} » (le créer d'abord, ou null)."]
    return found[0], []


def _apply(source: Source, entry: dict, partner, base_dir: Path | None) -> list[str]:
    """Set the definition's values on `source`; the names of the fields that changed."""
    values = {key: entry[key] for key in PLAIN if key in entry}
    if "config" in values:
        values["config"] = _resolve_path(values["config"], base_dir)
    if "spider" in entry:
        values["spider_class"] = entry["spider"]
    values.update(entry.get("politeness") or {})
    if "partner" in entry:
        values["partner"] = partner
    changed = [k for k, v in values.items() if getattr(source, k) != v]
    for key in changed:
        setattr(source, key, values[key])
    return changed


def _validation_messages(error: ValidationError, label: str) -> list[str]:
    if hasattr(error, "message_dict"):
        return [f"{label}, {name} : {m}" for name, ms in error.message_dict.items() for m in ms]
    return [f"{label} : {m}" for m in error.messages]


def _mapping_problems(entry: dict, label: str, known_codes: set[str]) -> list[str]:
    problems = []
    for tag, codes in (entry.get("tag_mappings") or {}).items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            problems.append(f"{label} : codes de « {tag} » : une liste de codes attendue.")
        elif set(codes) - known_codes:
            missing = ", ".join(sorted(set(codes) - known_codes))
            problems.append(f"{label} : « {tag} », codes inconnus de la nomenclature : {missing}.")
    return problems


def plan(entries: list, base_dir: Path | None = None) -> list[tuple[Source, str, dict, list]]:
    """Every definition checked and applied to a `Source` in memory (new or existing, not
    saved); raises `SourcesFileError` with every problem of the file when one is invalid."""
    from catalogue.models import NomenclatureCode

    if not isinstance(entries, list) or not entries:
        raise SourcesFileError(["Aucune définition de source dans le fichier."])
    known_codes = set(NomenclatureCode.objects.values_list("code", flat=True))
    existing = {fold(s.name): s for s in Source.objects.all()}
    problems: list[str] = []
    planned = []
    names: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"Source n° {index}" + (f" « {name} »" if isinstance(name, str) else "")
        shape = _shape_problems(entry, label)
        if shape:
            problems += shape
            continue
        key = fold(name)
        if key in names:
            problems.append(f"{label} : même nom que la source n° {names[key]}.")
            continue
        names[key] = index
        partner, partner_problems = _partner(entry, label)
        problems += partner_problems + _mapping_problems(entry, label, known_codes)
        source = existing.get(key) or Source(name=name.strip())
        action = "updated" if source.pk else "created"
        changed = _apply(source, entry, partner, base_dir)
        try:
            source.full_clean()
        except ValidationError as error:
            problems += _validation_messages(error, label)
            continue
        planned.append(
            (source, action if changed or not source.pk else "unchanged", entry, changed)
        )
    if problems:
        raise SourcesFileError(problems)
    return planned


def _seed_mappings(source: Source, mappings: dict) -> tuple[int, int]:
    """The definition's keyword rules: missing ones created, those whose codes differ given
    the file's codes (the file says what the source is); (created, changed)."""
    from catalogue.models import NomenclatureCode
    from importers.models import TagMapping
    from importers.recoding import tag_key

    label = source.mapping_label or source.name
    created = changed = 0
    for tag, codes in mappings.items():
        mapping, was_created = TagMapping.objects.get_or_create(
            source_label=label, tag_key=tag_key(tag), defaults={"tag": tag, "origin": "import"}
        )
        if was_created or set(mapping.codes.values_list("code", flat=True)) != set(codes):
            mapping.codes.set(NomenclatureCode.objects.filter(code__in=codes))
            created += was_created
            changed += not was_created
    return created, changed


def import_definitions(entries: list, base_dir: Path | None = None) -> list[DefinitionReport]:
    """Create or update every source of `entries`, all or nothing (see `plan`)."""
    planned = plan(entries, base_dir)
    reports = []
    with transaction.atomic():
        for source, action, entry, changed in planned:
            if action != "unchanged":
                source.save()
            messages = [f"Champs modifiés : {', '.join(changed)}."] if action == "updated" else []
            seeded, recoded = _seed_mappings(source, entry.get("tag_mappings") or {})
            if seeded:
                messages.append(f"{seeded} correspondance(s) de mots-clés créée(s).")
            if recoded:
                messages.append(f"{recoded} correspondance(s) de mots-clés modifiée(s).")
                action = "updated" if action == "unchanged" else action
            reports.append(DefinitionReport(source.name, action, messages, source))
    return reports


def read_file(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise SourcesFileError([f"Fichier illisible (UTF-8 attendu) : {error}."]) from error
    except json.JSONDecodeError as error:
        raise SourcesFileError(
            [f"JSON invalide ligne {error.lineno}, colonne {error.colno} : {error.msg}."]
        ) from error


# --- export ----------------------------------------------------------------------------------


def mappings_of(labels: set[str]) -> dict[str, dict[str, list[str]]]:
    """Mapping label -> {keyword: its codes, sorted}, keywords in order (one query)."""
    from importers.models import TagMapping

    out: dict[str, dict[str, list[str]]] = {}
    rows = (
        TagMapping.objects.filter(source_label__in=labels)
        .order_by("source_label", "tag_key", "codes__code")
        .values_list("source_label", "tag", "codes__code")
    )
    for label, tag, code in rows:
        codes = out.setdefault(label, {}).setdefault(tag, [])
        if code:
            codes.append(code)
    return out


def definition(source: Source, mappings: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The definition that recreates `source` as it is (its keyword rules given, when it has
    any: `mappings_of` its mapping label)."""
    data: dict[str, Any] = {
        "name": source.name,
        "kind": source.kind,
        "partner": source.partner.title if source.partner_id else None,
        "normaliser": source.normaliser,
    }
    if source.spider_class:
        data["spider"] = source.spider_class
    data.update(
        config=source.config or {},
        mapping_label=source.mapping_label,
        schedule=source.schedule,
        enabled=source.enabled,
        politeness={key: getattr(source, key) for key in POLITENESS},
        licence=source.licence,
    )
    if mappings:
        data["tag_mappings"] = mappings
    return data


def export_definitions(names: list[str] | None = None) -> list[dict[str, Any]]:
    sources = Source.objects.select_related("partner").order_by("name")
    if names:
        wanted = {fold(n) for n in names}
        sources = [s for s in sources if fold(s.name) in wanted]
        missing = wanted - {fold(s.name) for s in sources}
        if missing:
            raise SourcesFileError([f"Aucune source « {n} »." for n in names if fold(n) in missing])
    mappings = mappings_of({s.mapping_label or s.name for s in sources})
    return [definition(s, mappings.get(s.mapping_label or s.name)) for s in sources]


def dumps(definitions: list[dict[str, Any]]) -> str:
    return json.dumps(definitions, ensure_ascii=False, indent=2) + "\n"
