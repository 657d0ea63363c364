"""Text normalisation for the search index: unaccented lower-case tokens, French light stemming.

PostgreSQL stems with its own ``french`` Snowball dictionary (behind ``unaccent``, see
``schema.py``); SQLite's FTS5 has no French stemmer, so on SQLite the index and every query go
through `stem` below: J. Savoy's "light" French stemmer (the algorithm of Lucene's
FrenchLightStemmer, applied to already unaccented words). It folds plurals, feminines and the
common derivational suffixes ("logements" = "logement", "educatrice" = "educateur",
"solidarite" ~ "solidarites"), and is deliberately conservative. Applied identically at index
and query time, so its exact stems matter less than its consistency.
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


@lru_cache(maxsize=200_000)
@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Light French stem of one folded word (see the module docstring). Memoised: indexing
    stems every word of every page, and a language has far fewer distinct words."""
    w = word
    if w.isdigit():
        return w
    if len(w) > 5 and w.endswith("x"):
        if w[-3:-1] == "au" and w[-4] != "e":
            w = w[:-2] + "l"  # chevaux -> cheval
        else:
            w = w[:-1]
    if len(w) > 3 and w.endswith("x"):
        w = w[:-1]
    if len(w) > 3 and w.endswith("s"):
        w = w[:-1]
    if _ends(w, "issement", 9):
        return _norm(w[:-7] + "r")
    if _ends(w, "issant", 8):
        return _norm(w[:-5] + "r")
    if _ends(w, "ement", 6):
        w = w[:-4]
        if len(w) > 3 and w.endswith("ive"):
            w = w[:-2] + "f"
        return _norm(w)
    if _ends(w, "ficatrice", 11):
        return _norm(w[:-7] + "er")
    if _ends(w, "ficateur", 10):
        return _norm(w[:-6] + "er")
    if _ends(w, "catrice", 9):
        return _norm(w[:-7] + "quer")
    if _ends(w, "cateur", 8):
        return _norm(w[:-6] + "quer")
    if _ends(w, "atrice", 8):
        return _norm(w[:-6] + "er")
    if _ends(w, "ateur", 7):
        return _norm(w[:-5] + "er")
    if _ends(w, "trice", 6):
        w = w[:-5] + "teur"
    if _ends(w, "ieme", 5):
        return _norm(w[:-4])
    if _ends(w, "teuse", 7):
        return _norm(w[:-3] + "r")
    if _ends(w, "teur", 6):
        return _norm(w[:-2] + "r")
    if _ends(w, "euse", 5):
        return _norm(w[:-2])
    if _ends(w, "ere", 8):
        return _norm(w[:-1])
    if _ends(w, "ive", 7):
        return _norm(w[:-2] + "f")
    if len(w) > 4 and (w.endswith("folle") or w.endswith("molle")):
        return _norm(w[:-3] + "u")
    if _ends(w, "nnelle", 9):
        return _norm(w[:-5])
    if _ends(w, "nnel", 9):
        return _norm(w[:-3])
    if _ends(w, "ete", 4):
        w = w[:-1]
    if _ends(w, "ique", 8):
        w = w[:-4]
    if _ends(w, "esse", 8):
        return _norm(w[:-3])
    if _ends(w, "inage", 7):
        return _norm(w[:-3])
    if _ends(w, "isation", 9):
        w = w[:-7]
        if len(w) > 5 and w.endswith("ual"):
            w = w[:-2] + "el"
        return _norm(w)
    if _ends(w, "isateur", 9):
        return _norm(w[:-7])
    if _ends(w, "ation", 8):
        return _norm(w[:-5])
    if _ends(w, "ition", 8):
        return _norm(w[:-5])
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
