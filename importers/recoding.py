"""Recoding a source's tags into CIS nomenclature codes, through the editable `TagMapping` rules.

Tag comparison folds case, accents and punctuation ("Énergie" = "energie"); several rules for
the same (source, tag) are united. Tags without a rule are kept raw on the page and counted in
`UnknownTag` so editors can map them.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from importers.normalise.clean import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
STOPWORDS = {"de", "la", "le", "les", "l", "d", "du", "des", "et", "pour", "en", "a", "the"}


def tag_key(tag: str) -> str:
    return fold(tag or "")[:255]


def _tokens(name: str) -> set[str]:
    return {t for t in fold(name).split() if t not in STOPWORDS}


def match_mapping_label(name: str, labels: list[str] | None = None) -> str | None:
    """The mapping tables' name for a source name ("Apriles" → "ODAS - APRILES").

    Exact folded match first, then the label whose words contain the name's words (or the
    reverse), the closest one (Jaccard) winning.
    """
    if labels is None:
        from importers.models import TagMapping

        labels = list(TagMapping.objects.values_list("source_label", flat=True).distinct())
    key = fold(name or "")
    if not key:
        return None
    for label in labels:
        if fold(label) == key:
            return label
    mine = _tokens(name)
    best, best_score = None, 0.0
    for label in labels:
        theirs = _tokens(label)
        if not mine or not theirs or not (mine <= theirs or theirs <= mine):
            continue
        score = len(mine & theirs) / len(mine | theirs)
        if score > best_score:
            best, best_score = label, score
    return best


def seed_rows() -> list[tuple[str, str, list[str], str]]:
    """(source label, tag, codes, origin) of the committed tables, duplicates kept."""
    rows = []
    shared = json.loads((DATA_DIR / "cis-tag-mappings.json").read_text(encoding="utf-8"))
    for entry in shared:
        rows.append((entry["source"].strip(), entry["source_tag"].strip(), entry["codes"], "cis"))
    apriles = json.loads((DATA_DIR / "apriles-to-cis.json").read_text(encoding="utf-8"))
    for entry in apriles["tags"]:
        rows.append((apriles["source"], entry["label"], entry["cis"], "apriles-to-cis"))
    return rows


def seed_tag_mappings(TagMapping=None, NomenclatureCode=None) -> int:
    """Create the rules of the committed tables (idempotent; codes of duplicates united)."""
    if TagMapping is None:
        from catalogue.models import NomenclatureCode
        from importers.models import TagMapping
    codes_by_name = {c.code: c for c in NomenclatureCode.objects.all()}
    merged: dict[tuple[str, str], tuple[str, str, set[str]]] = {}
    for label, tag, codes, origin in seed_rows():
        key = (label, tag_key(tag))
        if key in merged:
            merged[key][2].update(codes)
        else:
            merged[key] = (tag, origin, set(codes))
    created = 0
    for (label, key), (tag, origin, codes) in merged.items():
        mapping, was_created = TagMapping.objects.get_or_create(
            source_label=label,
            tag_key=key,
            defaults={"tag": tag, "origin": origin},
        )
        if was_created:
            created += 1
            mapping.codes.set([codes_by_name[c] for c in sorted(codes) if c in codes_by_name])
    return created


class Recoder:
    """One source's rules, loaded once per run."""

    def __init__(self, source=None, label: str = ""):
        from importers.models import TagMapping

        self.source = source
        label = label or (source.mapping_label if source is not None else "") or ""
        self.rules: dict[str, list[str]] = {}
        if label:
            rows = TagMapping.objects.filter(source_label=label).values_list(
                "tag_key", "codes__code"
            )
            for key, code in rows:
                codes = self.rules.setdefault(key, [])
                if code and code not in codes:
                    codes.append(code)
        # key -> [tag, pages this run, example url, pages' URLs already counted]
        self.unknown: dict[str, list] = {}

    def recode(self, tags: list[str], url: str = "", key: str = "") -> tuple[list[str], list[str]]:
        """(codes, unknown tags) for a record's raw tags.

        `key` tells records apart when they share a URL (the rows of one CSV file or JSON
        answer); without it the URL does."""
        record = key or url
        codes: list[str] = []
        unknown: list[str] = []
        for tag in tags:
            key = tag_key(tag)
            if not key:
                continue
            if key in self.rules:
                for code in self.rules[key]:
                    if code not in codes:
                        codes.append(code)
            else:
                unknown.append(tag)
                entry = self.unknown.setdefault(key, [tag, 0, url, set()])
                if not record or record not in entry[3]:  # a page listed twice counts once
                    entry[1] += 1
                    entry[3].add(record)
        return codes, unknown

    def save_unknown(self) -> int:
        """Store how many pages carry each unknown tag in this run (one query per tag).

        A count of pages, not a sum over runs: every run sees all the source's records, so
        adding would count a page again at each run (82 for 41 pages after two runs)."""
        from importers.models import UnknownTag

        if self.source is None or not self.unknown:
            return 0
        now = timezone.now()
        with transaction.atomic():
            for key, (tag, count, url, _urls) in self.unknown.items():
                row, created = UnknownTag.objects.get_or_create(
                    source=self.source,
                    tag_key=key,
                    defaults={
                        "tag": tag[:255],
                        "occurrences": count,
                        "example_url": url[:1000],
                        "first_seen": now,
                        "last_seen": now,
                    },
                )
                if not created:
                    UnknownTag.objects.filter(pk=row.pk).update(
                        occurrences=count, last_seen=now
                    )
        return len(self.unknown)
