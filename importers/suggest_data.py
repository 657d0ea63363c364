"""The evidence of code suggestions (see `importers.suggest`), and their held-out evaluation.

From the database in production (`evidence_from_db`: every keyword rule of every source, the
seeded mapping tables included, and the nomenclature's names and keywords), from the committed
tables for the evaluation (`evidence_from_tables`), which leaves one source out and predicts its
mappings from the others: the measure of what an unseen source gets before any rule is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from importers.suggest import LABEL, MAPPING, RULE, Evidence, Suggester

DATA_DIR = Path(__file__).resolve().parent / "data"
TAXONOMY = Path(__file__).resolve().parent.parent / "catalogue" / "data" / "cis-taxonomy.json"


def label_evidence(codes: list[tuple[str, str, str]]) -> list[Evidence]:
    """(code, name, keywords) of the nomenclature → its name and each of its keywords."""
    out = []
    for code, name, description in codes:
        out.append(Evidence(name, (code,), LABEL, code))
        for word in (description or "").split(","):
            if word.strip():
                out.append(Evidence(word.strip(), (code,), LABEL, code))
    return out


def synonym_evidence(codes: set[str] | None = None) -> list[Evidence]:
    """The authored synonyms of the nomenclature's codes (`nomenclature-synonyms.json`), read
    like its keywords; only the codes given when given (the database's nomenclature)."""
    data = json.loads((DATA_DIR / "nomenclature-synonyms.json").read_text(encoding="utf-8"))
    return [
        Evidence(word, (code,), LABEL, code)
        for code, words in data["synonyms"].items()
        if codes is None or code in codes
        for word in words
    ]


def taxonomy_rows() -> list[tuple[str, str, str]]:
    data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    return [(c["code"], c["name"], c.get("description") or "") for c in data]


def mapping_rows(path: Path | None = None) -> list[tuple[str, str, list[str]]]:
    """(source, tag, codes) of the shared mapping tables (835 mappings of 30 sources): the
    committed copy, or the file given (the shared data's)."""
    path = path or DATA_DIR / "cis-tag-mappings.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(e["source"].strip(), e["source_tag"].strip(), list(e["codes"])) for e in data]


FFE_LABEL = "La France s'engage"


def ffe_evidence() -> list[Evidence]:
    """The authored correspondence of La France s'engage's themes and sub-themes (its labels)
    to the nomenclature (`ffe-to-cis.json`): what the FFE importer applies, the project's
    knowledge like a source's rules (not in the rule table: the importer reads the file)."""
    data = json.loads((DATA_DIR / "ffe-to-cis.json").read_text(encoding="utf-8"))
    return [
        Evidence(entry["label"].strip(), tuple(entry["cis"]), RULE, FFE_LABEL)
        for entry in [*data["themes"], *data["sub_themes"]]
        if entry.get("cis")
    ]


def evidence_from_tables(exclude: str = "", mappings: Path | None = None) -> list[Evidence]:
    """The committed tables' evidence, one source (its mapping label) left out: the rules the
    database is seeded with (`importers.recoding.seed_rows`: the shared mapping tables and the
    Apriles table), the sample sources' own rules, the FFE correspondence and the labels."""
    from importers.recoding import seed_rows

    rules = [
        Evidence(tag.strip(), tuple(codes), RULE, source)
        for source, tag, codes, origin in seed_rows()
        if origin != "cis"
    ]
    rules += [
        Evidence(tag, tuple(codes), MAPPING, src) for src, tag, codes in mapping_rows(mappings)
    ]
    for definition in _sample_sources().values():
        label = definition.get("mapping_label") or ""
        for tag, codes in (definition.get("tag_mappings") or {}).items():
            rules.append(Evidence(tag, tuple(codes), RULE, label))
    rules += ffe_evidence()
    kept = [e for e in rules if not exclude or e.origin != exclude]
    return kept + label_evidence(taxonomy_rows()) + synonym_evidence()


def evidence_from_db(exclude_label: str = "") -> list[Evidence]:
    """Every keyword rule in the database (two queries), and the nomenclature's labels.

    Rules seeded from the shared tables count as mappings, the others as confirmed rules."""
    from catalogue.models import NomenclatureCode
    from importers.models import TagMapping

    codes: dict[int, tuple[str, str, str, list[str]]] = {}
    rows = (
        TagMapping.objects.exclude(source_label=exclude_label)
        .filter(codes__isnull=False)
        .values_list("pk", "tag", "source_label", "origin", "codes__code")
    )
    for pk, tag, label, origin, code in rows:
        codes.setdefault(pk, (tag, label, origin, []))[3].append(code)
    evidence = [
        Evidence(tag, tuple(sorted(c)), MAPPING if origin == "cis" else RULE, label)
        for tag, label, origin, c in codes.values()
    ]
    names = list(NomenclatureCode.objects.values_list("code", "name", "description"))
    authored = [e for e in ffe_evidence() if e.origin != exclude_label]
    synonyms = synonym_evidence({code for code, _, _ in names})
    return evidence + authored + label_evidence(names) + synonyms


@dataclass
class Figure:
    source: str
    tags: int = 0
    right: int = 0  # tags whose suggestions hold at least one right code
    suggested: int = 0  # codes suggested
    correct: int = 0  # codes suggested that are right
    silent: int = 0  # tags with no suggestion

    @property
    def coverage(self) -> float:
        return self.right / self.tags if self.tags else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.suggested if self.suggested else 0.0

    def add(self, predicted: list[str], truth: set[str]) -> None:
        self.tags += 1
        self.suggested += len(predicted)
        hits = len(set(predicted) & truth)
        self.correct += hits
        self.right += 1 if hits else 0
        self.silent += 0 if predicted else 1


def leave_one_source_out(mappings: Path | None = None) -> list[Figure]:
    """Per source of the mapping tables: its tags predicted from everything else the project
    knows (the other 29 sources, the other tables, the nomenclature), none of its own rules."""
    rows = mapping_rows(mappings)
    figures = []
    for source in sorted({r[0] for r in rows}):
        suggester = Suggester(evidence_from_tables(exclude=source, mappings=mappings))
        figure = Figure(source)
        for label, tag, codes in rows:
            if label == source:
                figure.add([s.code for s in suggester.suggest(tag)], set(codes))
        figures.append(figure)
    return figures


def total(figures: list[Figure], name: str = "total") -> Figure:
    out = Figure(name)
    for f in figures:
        out.tags += f.tags
        out.right += f.right
        out.suggested += f.suggested
        out.correct += f.correct
        out.silent += f.silent
    return out


def _sample_sources() -> dict[str, dict]:
    data = json.loads((DATA_DIR / "sample-sources.json").read_text(encoding="utf-8"))
    return {s["name"]: s for s in data["sources"]}


def _generic_records(definition: dict, data_dir: Path):
    """(keywords, text, true codes) of a generic CSV sample source, its own rules as truth."""
    from importers.crawl.config import CsvConfig
    from importers.crawl.csvsource import read_csv_file
    from importers.crawl.diagnostics import Collector
    from importers.normalise.items import get_normaliser
    from importers.recoding import tag_key

    config = dict(definition["config"], path=str(data_dir / definition["config"]["path"]))
    rules = {tag_key(t): set(c) for t, c in definition.get("tag_mappings", {}).items()}
    normaliser = get_normaliser("generic", definition["name"])
    for item in read_csv_file(CsvConfig(**config), Collector()):
        for outcome in normaliser.feed(item):
            record = outcome.record
            if record is not None:
                truth = set().union(*(rules.get(tag_key(t), set()) for t in record.raw_tags))
                yield record.raw_tags, f"{record.title} {record.description}", truth


def _reader_records(reader, path: Path):
    for record in reader(path):
        yield record.tags, f"{record.title} {record.description}", set(record.codes)


def sample_records(data_dir: Path) -> dict[str, tuple[str, object]]:
    """Sample source name → (mapping label left out, iterator of (keywords, text, truth))."""
    from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates

    sources = _sample_sources()
    out = {
        "La France s'engage": (
            FFE_LABEL,
            _reader_records(read_ffe_laureates, data_dir / "ffe-laureates.csv"),
        ),
        "Apriles": (
            "ODAS - APRILES",
            _reader_records(read_apriles_export, data_dir / "apriles-export.csv"),
        ),
    }
    for name in ("PiNG tiers-lieux", "CGET tiers-lieux 2019"):
        out[name] = (sources[name]["mapping_label"], _generic_records(sources[name], data_dir))
    return out


def evaluate_samples(data_dir: Path) -> list[Figure]:
    """Per real sample source: the share of its coded records whose suggestions (from their
    keywords, or their text when they have none) hold a right code, its own rules unseen."""
    figures = []
    for name, (label, records) in sample_records(data_dir).items():
        suggester = Suggester(evidence_from_tables(exclude=label))
        figure = Figure(name)
        for keywords, text, truth in records:
            if truth:
                predicted = [s.code for s in suggester.suggest_record(list(keywords), text)]
                figure.add(predicted, truth)
        figures.append(figure)
    return figures
