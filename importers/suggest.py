"""Suggesting nomenclature codes for keywords no rule maps yet, from everything already known.

A new source's keywords are its own vocabulary; before an editor writes a rule, the codes other
sources' keywords received (the mapping tables), the nomenclature's own labels and keywords, and
the rules editors confirmed say what the keyword most likely means. `Suggester` holds that
evidence, indexed once, and answers for a keyword (or a record's title and description) the few
most likely codes, each with the evidence that matched: an editor confirms or corrects them.

Matching, in decreasing strength, on folded words (case, accents, punctuation) and their light
French stems (`catalogue.search.text.stem`, the stemmer the search index uses):
- the same keyword ("Energie" = "énergie");
- the same words in another form or order ("Logements sociaux" = "logement social");
- shared words, weighted by how rare they are in the evidence (idf), so "insertion par
  l'activité économique" leans on "insertion", not on "activité";
- a word no evidence holds is replaced, before the above, by its near match keeping its first
  letters ("numerque" → "numer"), else by its second part when it is a compound
  ("écotourisme" → "tourism", "microcrédit" → "credit"), else by the few stems whose words
  open with the same six letters ("coopératives" → "coopération");
- a keyword of several parts ("Jeux / Loisirs", "… des entreprises (RSE)") is matched whole
  and part by part.

The nomenclature's evidence is its names, its keywords and the synonyms authored for it
(`importers/data/nomenclature-synonyms.json`).

This module is pure computation (no query): the harvest builds one `Suggester` per run and asks
it for every record, and `importers.suggest_data` builds the evidence from the database or from
the committed tables (for the held-out evaluation).
"""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from catalogue.search.text import STOPWORDS, stem
from importers.normalise.clean import fold

# Evidence kinds, strongest first when scores tie.
RULE, MAPPING, LABEL = "rule", "mapping", "label"
KIND_WEIGHT = {RULE: 1.2, MAPPING: 1.0, LABEL: 1.1}
EXACT, SAME_WORDS, PART, SHARED_WORDS = 3.0, 2.0, 1.5, 0.7
# A code is suggested when it scores at least this share of the best code's score …
RELATIVE_CUTOFF = 0.6
# … and at least this much (tuned on the held-out evaluation of `importers.suggest_data`).
MIN_SCORE = 0.2
MAX_CODES = 3
NEAR_CUTOFF = 0.84
# The parts of a keyword, each matched too: "Jeux / Loisirs", "… (RSE)", "Emploi, Formation".
PARTS_RE = re.compile(r"\s*[/(),;+&:]\s*|\s+-\s+|\s+et\s+")
PART_SHARE = 0.8
EXTRA_STOPWORDS = frozenset({"autre", "autres", "general", "divers", "etc", "the", "and", "of"})
# Compounds read as their second part when the whole is unknown ("covoiturage", "ecovillage").
COMPOUND_PREFIXES = ("micro", "auto", "inter", "socio", "agro", "bio", "eco", "co")
# Words opening with these many letters are taken for one another when nothing else matches …
OPENING = 6
# … and when the evidence holds few stems of that opening (else it is no evidence).
MAX_OPENING_STEMS = 2


@dataclass(frozen=True)
class Evidence:
    """One thing the project knows: a text and the codes it means."""

    text: str
    codes: tuple[str, ...]
    kind: str  # RULE, MAPPING or LABEL
    origin: str = ""  # the source label of a mapping or rule, the code of a label


@dataclass
class Suggestion:
    code: str
    score: float
    reasons: list[tuple[str, Evidence]] = field(default_factory=list)  # (how, evidence)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "score": round(self.score, 3),
            "reasons": [
                {"how": how, "kind": e.kind, "text": e.text, "origin": e.origin}
                for how, e in self.reasons[:3]
            ],
        }


def _words(text: str) -> list[str]:
    """A text's folded words, grammatical words left out."""
    words = fold(text or "").split()
    return [w for w in words if w not in STOPWORDS and w not in EXTRA_STOPWORDS and len(w) > 1]


def text_stems(text: str) -> frozenset[str]:
    """The light stems of a text's words, grammatical words left out."""
    return frozenset(stem(w) for w in _words(text))


@lru_cache(maxsize=50_000)
def stems(keyword: str) -> frozenset[str]:
    """`text_stems` of a keyword or label, memoised (a source repeats its keywords; a record's
    description goes through `text_stems` uncached)."""
    return text_stems(keyword)


class Suggester:
    """Evidence indexed by folded phrase, by stem set and by stem."""

    def __init__(self, evidence: list[Evidence]):
        self.evidence = [e for e in evidence if e.codes and fold(e.text)]
        self.by_phrase: dict[str, list[int]] = defaultdict(list)
        self.by_stems: dict[frozenset, list[int]] = defaultdict(list)
        self.by_stem: dict[str, list[int]] = defaultdict(list)
        self.stem_sets: list[frozenset[str]] = []
        openings: dict[str, set[str]] = defaultdict(set)
        for i, e in enumerate(self.evidence):
            for word in _words(e.text):
                if len(word) > OPENING:
                    openings[word[:OPENING]].add(stem(word))
            s = stems(e.text)
            self.stem_sets.append(s)
            self.by_phrase[fold(e.text)].append(i)
            if s:
                self.by_stems[s].append(i)
            for t in s:
                self.by_stem[t].append(i)
        n = max(len(self.evidence), 1)
        self.idf = {t: math.log(1 + n / len(ids)) for t, ids in self.by_stem.items()}
        self._vocabulary = sorted(self.by_stem)
        self.by_opening = {k: frozenset(v) for k, v in openings.items()}
        self._near: dict[str, str | None] = {}

    # -- near matches -------------------------------------------------------------------

    def near(self, token: str) -> str | None:
        """The evidence's closest stem to one it does not hold (a typo, a variant)."""
        if token in self.by_stem:
            return token
        if token not in self._near:
            found = None
            if len(token) >= 5:
                # A typo keeps the word's first letters ("scolaire" is not "solaire").
                same_start = [v for v in self._vocabulary if v[:2] == token[:2]]
                close = difflib.get_close_matches(token, same_start, n=1, cutoff=NEAR_CUTOFF)
                found = close[0] if close else None
            self._near[token] = found
        return self._near[token]

    def _known_stems(self, text: str) -> tuple[frozenset[str], bool]:
        """A text's stems, unknown ones replaced by what the evidence holds of them (a near
        match, the word without its compounding prefix, a stem of the same opening); and
        whether any was replaced."""
        out, replaced = set(), False
        for word in _words(text):
            t = stem(word)
            found = self.near(t) or self._unprefixed(word) or self._same_opening(word)
            if found:
                out.update(found if isinstance(found, frozenset) else (found,))
                replaced = replaced or found != t
        return frozenset(out), replaced

    def _unprefixed(self, word: str) -> str | None:
        """A compound whose second part the evidence holds: "ecotourisme" → "tourism",
        "microcredit" → "credit"."""
        for prefix in COMPOUND_PREFIXES:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= 5:
                found = self.near(stem(rest))
                if found:
                    return found
        return None

    def _same_opening(self, word: str) -> frozenset[str] | None:
        """The evidence's stems whose words open with the same letters ("cooperative" and
        "cooperation"), when they are few: a truncation stem, the last resort."""
        found = self.by_opening.get(word[:OPENING]) if len(word) > OPENING else None
        return found if found and len(found) <= MAX_OPENING_STEMS else None

    # -- scoring --------------------------------------------------------------------------

    def _weighted_jaccard(self, a: frozenset[str], b: frozenset[str]) -> float:
        union = sum(self.idf.get(t, 0.0) for t in a | b)
        return sum(self.idf.get(t, 0.0) for t in a & b) / union if union else 0.0

    def _candidates(self, keyword: str, whole: bool = True) -> dict[int, tuple[float, str]]:
        """Evidence index -> (strength, how it matched) for one keyword."""
        found: dict[int, tuple[float, str]] = {}
        for i in self.by_phrase.get(fold(keyword), ()):
            found[i] = (EXACT, "exact")
        if whole:
            self._part_candidates(keyword, found)
        mine, replaced = self._known_stems(keyword)
        if not mine:
            return found
        same = "near" if replaced else "stem"
        for i in self.by_stems.get(mine, ()):
            found.setdefault(i, (SAME_WORDS, same))
        total = sum(self.idf[t] for t in mine)
        for t in mine:
            for i in self.by_stem[t]:
                if i in found:
                    continue
                theirs = self.stem_sets[i]
                if theirs <= mine:
                    # A part of the keyword ("coworking" in "tiers lieux à dominante coworking")
                    share = sum(self.idf[x] for x in theirs) / total
                    found[i] = (PART * max(share, 0.5), "near" if replaced else "part")
                else:
                    sim = self._weighted_jaccard(mine, theirs)
                    found[i] = (SHARED_WORDS * sim, "near" if replaced else "words")
        return found

    def _part_candidates(self, keyword: str, found: dict[int, tuple[float, str]]) -> None:
        """A keyword of several parts ("Jeux / Loisirs", "Responsabilité sociale des
        entreprises (RSE)"): each part's exact and same-words matches count as the whole's."""
        parts = [p for p in PARTS_RE.split(keyword) if fold(p)]
        if len(parts) < 2:
            return
        for part in parts:
            for i, (strength, how) in self._candidates(part, whole=False).items():
                if strength >= SAME_WORDS and strength * PART_SHARE > found.get(i, (0.0,))[0]:
                    found[i] = (strength * PART_SHARE, how)

    def _rank(self, found: dict[int, tuple[float, str]], max_codes: int) -> list[Suggestion]:
        by_code: dict[str, Suggestion] = {}
        for i, (strength, how) in sorted(found.items(), key=lambda kv: -kv[1][0]):
            e = self.evidence[i]
            share = strength * KIND_WEIGHT.get(e.kind, 1.0) / math.sqrt(len(e.codes))
            for code in e.codes:
                s = by_code.setdefault(code, Suggestion(code, 0.0))
                s.score += share
                s.reasons.append((how, e))
        ranked = sorted(by_code.values(), key=lambda s: (-s.score, s.code))
        if not ranked or ranked[0].score < MIN_SCORE:
            return []
        top = ranked[0].score
        return [s for s in ranked if s.score >= RELATIVE_CUTOFF * top][:max_codes]

    def suggest(self, keyword: str, max_codes: int = MAX_CODES) -> list[Suggestion]:
        """The most likely codes of one keyword, best first (empty when nothing is close)."""
        return self._rank(self._candidates(keyword), max_codes)

    def suggest_text(self, text: str, max_codes: int = 2) -> list[Suggestion]:
        """Codes for a record without keywords: the evidence whose words all occur in its
        title and description (short evidence only, a long phrase never matches whole)."""
        mine = text_stems(text[:3_000])  # the opening says what a project is about
        found: dict[int, tuple[float, str]] = {}
        for t in mine:
            for i in self.by_stem.get(t, ()):
                s = self.stem_sets[i]
                if i not in found and len(s) <= 3 and s <= mine:
                    found[i] = (sum(self.idf[x] for x in s) / 4.0, "text")
        return self._rank(found, max_codes)

    def suggest_record(self, keywords: list[str], text: str = "") -> list[Suggestion]:
        """A record's suggestions: from each keyword, else from its text; codes united."""
        merged: dict[str, Suggestion] = {}
        results = [self.suggest(k) for k in keywords if k]
        if not any(results) and text:
            results = [self.suggest_text(text)]
        for suggestions in results:
            for s in suggestions:
                if s.code in merged:
                    merged[s.code].score += s.score
                    merged[s.code].reasons.extend(s.reasons)
                else:
                    merged[s.code] = Suggestion(s.code, s.score, list(s.reasons))
        return sorted(merged.values(), key=lambda s: (-s.score, s.code))
