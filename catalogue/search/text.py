"""Text normalisation for the search index: unaccented lower-case tokens, French light stemming.

PostgreSQL stems with its own ``french`` Snowball dictionary (behind ``unaccent``, see
``schema.py``); SQLite's FTS5 has no French stemmer, so on SQLite the index and every query go
through `stem` below: J. Savoy's "light" French stemmer (the algorithm of Lucene's
FrenchLightStemmer, applied to already unaccented words). It folds plurals, feminines and the
common derivational suffixes ("logements" = "logement", "educatrice" = "educateur",
"solidarite" ~ "solidarites"), and is deliberately conservative. Applied identically at index
and query time, so its exact stems matter less than its consistency.

Why hand-written: the maintained Python stemmers (snowballstemmer, PyStemmer) implement
Snowball's French algorithm, the heavier one PostgreSQL applies; none offers Savoy's light
stemmer, which is a page of rules. It gives the reference outputs of Lucene's tests of the
algorithm (tests/catalogue/test_reference_implementations.py).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_TAG_RE = re.compile(r"<[^>]*>")
_SPECIAL = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})

# Short grammatical words that only add noise to an AND query ("habitat pour les seniors").
STOPWORDS = frozenset(
    """
    a au aux avec c ce ces d dans de des du elle en et il ils j l la le les leur leurs lui m ma
    mais me mes n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes
    ton un une vos votre vous y est sont
    """.split()
)


def fold(text: str) -> str:
    """Lower case without accents or ligatures: "Santé ŒUVRE" -> "sante oeuvre".

    Letters without an ASCII base (Greek, Cyrillic…) are dropped: the catalogue is French.
    """
    text = text or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
        text = text.encode("ascii", "ignore").decode("ascii")
    return text.lower()


def strip_html(html: str) -> str:
    """Rich text to plain text, cheaply (a regex, not a parser: the index only needs words)."""
    import html as html_lib

    return html_lib.unescape(_TAG_RE.sub(" ", html or ""))


def normalise(text: str) -> str:
    """Folded words separated by single spaces (what the index stores before stemming)."""
    return " ".join(_TOKEN_RE.findall(fold(text)))


def tokens(text: str) -> list[str]:
    """Folded words of a text, stopwords removed."""
    return [t for t in _TOKEN_RE.findall(fold(text)) if t not in STOPWORDS]


def _ends(word: str, suffix: str, min_len: int) -> bool:
    return len(word) > min_len and word.endswith(suffix)


def _norm(w: str) -> str:
    if len(w) > 4:
        # Collapse doubled letters ("nn", "ss", "ll"), as Savoy's normalisation does.
        out = [w[0]]
        for ch in w[1:]:
            if ch != out[-1] or ch.isdigit():
                out.append(ch)
        w = "".join(out)
    if len(w) > 4 and w.endswith("ie"):
        w = w[:-2]
    if len(w) > 4:
        if w.endswith("r"):
            w = w[:-1]
        if w.endswith("e"):
            w = w[:-1]
        if w.endswith("e"):
            w = w[:-1]
        if len(w) > 1 and w[-1] == w[-2] and w[-1].isalpha():
            w = w[:-1]
    return w


#: The suffix rules of `stem`, tried in this order: (suffix, the word's length beyond which
#: the rule applies, letters cut, letters added, whether the stem is final, and an optional
#: follow-up rule of the same shape applied right after). A rule that is not final changes the
#: word and lets the next rules look at it ("-trice" becomes "-teur", then "-teur" applies).
_RULES: tuple[tuple[str, int, int, str, bool, tuple | None], ...] = (
    ("issement", 9, 7, "r", True, None),
    ("issant", 8, 5, "r", True, None),
    ("ement", 6, 4, "", True, ("ive", 3, 2, "f")),
    ("ficatrice", 11, 7, "er", True, None),
    ("ficateur", 10, 6, "er", True, None),
    ("catrice", 9, 7, "quer", True, None),
    ("cateur", 8, 6, "quer", True, None),
    ("atrice", 8, 6, "er", True, None),
    ("ateur", 7, 5, "er", True, None),
    ("trice", 6, 5, "teur", False, None),
    ("ieme", 5, 4, "", True, None),
    ("teuse", 7, 3, "r", True, None),
    ("teur", 6, 2, "r", True, None),
    ("euse", 5, 2, "", True, None),
    ("ere", 8, 1, "", True, None),
    ("ive", 7, 2, "f", True, None),
    ("folle", 4, 3, "u", True, None),
    ("molle", 4, 3, "u", True, None),
    ("nnelle", 9, 5, "", True, None),
    ("nnel", 9, 3, "", True, None),
    ("ete", 4, 1, "", False, None),
    ("ique", 8, 4, "", False, None),
    ("esse", 8, 3, "", True, None),
    ("inage", 7, 3, "", True, None),
    ("isation", 9, 7, "", True, ("ual", 5, 2, "el")),
    ("isateur", 9, 7, "", True, None),
    ("ation", 8, 5, "", True, None),
    ("ition", 8, 5, "", True, None),
)


def _singular(w: str) -> str:
    """Drop the plural mark: "chevaux" -> "cheval", "jeux" -> "jeu", "lieux" -> "lieu"."""
    if len(w) > 5 and w.endswith("x"):
        w = w[:-2] + "l" if w[-3:-1] == "au" and w[-4] != "e" else w[:-1]
    if len(w) > 3 and w.endswith("x"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("s"):
        w = w[:-1]
    return w


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Light French stem of one folded word (see the module docstring). Memoised: indexing
    stems every word of every page, and a language has far fewer distinct words."""
    if word.isdigit():
        return word
    w = _singular(word)
    for suffix, min_len, cut, add, final, then in _RULES:
        if not _ends(w, suffix, min_len):
            continue
        w = w[:-cut] + add
        if then is not None and _ends(w, then[0], then[1]):
            w = w[: -then[2]] + then[3]
        if final:
            break
    return _norm(w)


def stemmed(text: str) -> str:
    """The stems of a text as one string (what SQLite's FTS5 table indexes)."""
    return " ".join(stem(t) for t in tokens(text))


def query_terms(text: str, *, stemming: bool) -> list[str]:
    """Distinct search terms of a user's query, in order (stemmed for the SQLite index)."""
    seen: dict[str, None] = {}
    for token in tokens(text[:500]):
        seen.setdefault(stem(token) if stemming else token, None)
    return list(seen)[:20]
