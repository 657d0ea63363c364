"""A source's tags → the source's labels (kept raw for recoding) and the page's keywords.

Two lists, two jobs. `raw_tags` keep the labels as the source wrote them, so the recoding rules
(`TagMapping`, seeded from `importers/data/`) find "Education, formation, langues" whole.
`tags` are the page's keywords, which no form may split: a label the source joined from several
becomes its parts, as its vocabulary declares ("Emploi, Formation" → "Emploi", "Formation",
in `apriles-to-cis.json`), else by the catalogue's rule (`catalogue.keywords`). Slashes are
split only where a vocabulary says so ("Aménagement/Habitat" is one FFE sub-theme).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from catalogue.keywords import keyword_names

from .clean import clean_text, fold, is_placeholder

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Always separators between labels; commas separate unless the text is a known label.
_STRONG_SEPARATORS = re.compile(r"[|;\n]+")


@cache
def declared_parts() -> dict[str, tuple[str, ...]]:
    """Folded label → its keywords, for the labels a vocabulary declares as joined lists."""
    data = json.loads((DATA_DIR / "apriles-to-cis.json").read_text(encoding="utf-8"))
    return {fold(e["label"]): tuple(e["keywords"]) for e in data["tags"] if e.get("keywords")}


@cache
def known_labels() -> frozenset[str]:
    """Folded labels of the committed vocabularies: the mapping tables' tags and the Apriles
    closed list. A known label holding a comma is one label, not a list, for recoding."""
    shared = json.loads((DATA_DIR / "cis-tag-mappings.json").read_text(encoding="utf-8"))
    apriles = json.loads((DATA_DIR / "apriles-to-cis.json").read_text(encoding="utf-8"))
    labels = {fold(e["source_tag"]) for e in shared}
    labels |= {fold(e["label"]) for e in apriles["tags"]}
    return frozenset(label for label in labels if label)


def source_labels(value: object) -> list[str]:
    """The labels of one multi-valued source field, de-duplicated, in order.

    ``|``, ``;`` and newlines always separate; a comma separates unless the text around it is
    a known label (see `known_labels`).
    """
    labels: list[str] = []

    def add(label: str) -> None:
        label = " ".join(label.split()).strip(" -–.,")
        if label and not is_placeholder(label) and label not in labels:
            labels.append(label)

    text = clean_text(value) if not isinstance(value, str) or "<" in value else value
    known = known_labels()
    for chunk in _STRONG_SEPARATORS.split(text or ""):
        if fold(chunk) in known:
            add(chunk)
        else:
            for part in chunk.split(","):
                add(part)
    return labels


def page_keywords(labels: Iterable[str]) -> list[str]:
    """The page keywords of a record's source labels (see the module's docstring)."""
    parts = declared_parts()
    expanded: list[str] = []
    for label in labels:
        expanded.extend(parts.get(fold(label or ""), (label,)))
    return keyword_names(expanded)
