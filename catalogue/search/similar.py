"""Similar projects ("Projets similaires"): the projects sharing a project's codes and words,
nearby first, then elsewhere.

Computed on the search index (live, public projects only), from what the engine already holds
per data version: each nomenclature code's id set (`idsets.value_ids`) and every entry's place
(`places.entry_places`). A candidate scores the inverse document frequency of each code it
shares (a rare code says more than a common one), plus the words its title shares with the
project's (read for the best candidates only, one query). Candidates within `NEAR_KM` are
"près d'ici", the others "ailleurs"; each list is ordered by score, then distance, then id.
A project without codes falls back on its title words (full text).
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field

from django.db import connection

from . import idsets, places
from . import text as textmod

NEAR_KM = 50.0
PER_LIST = 4
# Candidates (best by codes) whose titles are compared with the project's.
TITLE_CANDIDATES = 200
WORD_WEIGHT = 1.5
_WORD_RE = re.compile(r"[a-z0-9]{4,}")
_STOP = frozenset(
    "avec dans pour sans sous entre leur leurs nous vous elle elles mais plus tout tous "
    "toute toutes cette ces son ses une des les aux par sur projet projets association".split()
)


@dataclass
class Similar:
    near: list[tuple[int, float | None]] = field(default_factory=list)  # (id, km)
    elsewhere: list[tuple[int, float | None]] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [pk for pk, _km in self.near + self.elsewhere]


def _words(title: str) -> set[str]:
    return {w for w in _WORD_RE.findall(textmod.fold(title or "")) if w not in _STOP}


def _own(pk: int) -> tuple[list[str], str] | None:
    """The entry's codes and title, or None when it is not in the index (private, draft)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT title FROM {idsets.ENTRY} WHERE page_id = %s", [pk])
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(
            f"SELECT value FROM {idsets.FACETS_TABLE} WHERE entry_id = %s AND facet = %s",
            [pk, "code"],
        )
        return [value for (value,) in cursor.fetchall()], row[0]


def _code_scores(codes: list[str], pk: int) -> dict[int, float]:
    total = max(1, idsets.total())
    scores: dict[int, float] = {}
    for code in codes:
        ids = idsets.value_ids("code", code)
        if not ids:
            continue
        weight = math.log(1 + total / len(ids))
        get = scores.get
        for other in ids:
            scores[other] = get(other, 0.0) + weight
    scores.pop(pk, None)
    return scores


def _titles(ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    condition, params = idsets.id_condition("page_id", ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT page_id, title FROM {idsets.ENTRY} WHERE {condition}", params)
        return dict(cursor.fetchall())


def _word_candidates(words: set[str], pk: int) -> dict[int, float]:
    scores: dict[int, float] = {}
    for word in sorted(words)[:6]:
        terms = textmod.query_terms(word, stemming=connection.vendor != "postgresql")
        if not terms:
            continue
        for other in idsets.text_ids(terms):
            scores[other] = scores.get(other, 0.0) + WORD_WEIGHT
    scores.pop(pk, None)
    return scores


def similar_projects(pk: int, per_list: int = PER_LIST, *, page=None) -> Similar:
    """The projects most like `pk`, split into nearby and elsewhere (see the module doc).

    `page`: the project page itself, read when it is not in the index (an archived page, whose
    410 answer still offers similar projects)."""
    own = _own(pk)
    origin = None
    if own is None and page is not None:
        own = (list(page.codes.values_list("code", flat=True)), page.title)
        if page.latitude is not None and page.longitude is not None:
            origin = (page.latitude, page.longitude)
    if own is None:
        return Similar()
    codes, title = own
    words = _words(title)
    scores = _code_scores(codes, pk) if codes else _word_candidates(words, pk)
    if not scores:
        return Similar()
    best = heapq.nlargest(TITLE_CANDIDATES, scores.items(), key=lambda item: (item[1], -item[0]))
    titles = _titles([other for other, _score in best])
    ranked = []
    where = places.entry_places()
    point = where.get(pk)
    if origin is None:
        origin = (point[1], point[2]) if point and point[1] is not None else None
    for other, score in best:
        if codes and words:
            score += WORD_WEIGHT * len(words & _words(titles.get(other, "")))
        km = None
        place = where.get(other)
        if origin and place and place[1] is not None and place[2] is not None:
            km = places.distance(origin, (place[1], place[2]))
        ranked.append((-score, km if km is not None else math.inf, other, km))
    ranked.sort()
    result = Similar()
    for _score, _order, other, km in ranked:
        target = result.near if km is not None and km <= NEAR_KM else result.elsewhere
        if len(target) < per_list:
            target.append((other, km))
        if len(result.near) >= per_list and len(result.elsewhere) >= per_list:
            break
    return result
