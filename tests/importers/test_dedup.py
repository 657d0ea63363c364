"""Deduplication of harvested records: title similarity (on the real partners' titles) and the
content hash that recognises unchanged records.

The matcher precomputes each title's words once and skips the character comparison when cheap
upper bounds say it cannot reach the threshold; these tests check that this never changes a
decision against the plain formula (words recomputed, full `SequenceMatcher.ratio()` each time).
"""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from importers.dedup import (
    DOUBT_TITLE,
    SURE_TITLE,
    TitleShape,
    shape_similarity,
    title_similarity,
    title_words,
)
from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates

from .conftest import SHARED_DATA


def plain_similarity(a: str, b: str) -> float:
    """The formula written out without shortcuts: the reference."""
    wa, wb = title_words(a), title_words(b)
    if not wa or not wb:
        return 0.0
    ratio = SequenceMatcher(None, " ".join(wa), " ".join(wb)).ratio()
    sa, sb = set(wa), set(wb)
    small = min(len(sa), len(sb))
    containment = len(sa & sb) / small if small >= 2 else 0.0
    containment *= 0.9 if len(sa) != len(sb) else 1.0
    return max(ratio, containment)


@pytest.fixture(scope="module")
def real_titles() -> list[str]:
    ffe = [r.title for r in read_ffe_laureates(SHARED_DATA / "ffe-laureates.csv")]
    apriles = [r.title for r in read_apriles_export(SHARED_DATA / "apriles-export.csv")]
    return ffe + apriles


def test_title_similarity_is_the_plain_formula(real_titles):
    rng = random.Random(3)
    pairs = [(rng.choice(real_titles), rng.choice(real_titles)) for _ in range(3000)]
    # Near pairs too: a title against itself with a suffix or a word dropped.
    pairs += [(t, t + " - 69") for t in real_titles[:200]]
    pairs += [(t, " ".join(t.split()[1:])) for t in real_titles[:200]]
    for a, b in pairs:
        assert title_similarity(a, b) == pytest.approx(plain_similarity(a, b)), (a, b)


@pytest.mark.parametrize("floor", [DOUBT_TITLE, SURE_TITLE])
def test_floor_only_skips_pairs_that_cannot_reach_it(real_titles, floor):
    rng = random.Random(5)
    pairs = [(rng.choice(real_titles), rng.choice(real_titles)) for _ in range(3000)]
    pairs += [(t, t.upper() + " (association)") for t in real_titles[:300]]
    reached = 0
    for a, b in pairs:
        exact = plain_similarity(a, b)
        quick = shape_similarity(TitleShape(a), TitleShape(b), floor=floor)
        if exact >= floor:
            reached += 1
            assert quick == pytest.approx(exact), (a, b)
        else:
            assert quick < floor, (a, b)
    assert reached >= 300  # the near pairs do reach it: the test compares real matches


def test_empty_and_stopword_titles_are_never_similar():
    assert title_similarity("", "Projet") == 0.0
    assert title_similarity("Le projet de la", "Le projet de la") == 0.0
    assert shape_similarity(TitleShape("de la"), TitleShape("Jardin partagé"), 0.5) == 0.0


def test_content_hash_is_the_json_of_the_whole_record():
    """Harvests skip records whose hash is unchanged: the fast hash must give the bytes of the
    plain formula (JSON of `as_dict()`), or every stored hash would read as a change."""
    import hashlib
    import json

    ffe = list(read_ffe_laureates(SHARED_DATA / "ffe-laureates.csv"))
    apriles = list(read_apriles_export(SHARED_DATA / "apriles-export.csv"))
    assert any(r.distinctions for r in ffe) and any(r.social_links for r in ffe + apriles)
    for record in ffe + apriles:
        plain = json.dumps(record.as_dict(), sort_keys=True, ensure_ascii=False, default=str)
        assert record.content_hash() == hashlib.sha256(plain.encode("utf-8")).hexdigest()
    first = ffe[0]
    before = first.content_hash()
    first.summary += " Modifié."
    assert first.content_hash() != before
