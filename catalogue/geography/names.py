"""Commune names as partners write them, matched to the gazetteer's communes.

A partner writes "ST PARDOUX LE LAC", "Saint-Symphorien-s/-Couze", "PARIS CEDEX 11",
"Marseille 1er", "Roussac" (a former commune, now part of a commune nouvelle) or a name with a
typo. `parse_city` turns such a text into a `CityName` (matching key, arrondissement number,
CEDEX flag); `match_in` picks the commune it names among candidates (the communes of a postal
code), `named` finds the communes of that name anywhere (or in one department).

Names come from two tables: the gazetteer's La Poste labels (``data/communes.csv.gz``) and the
Code officiel géographique (``data/cog-communes.csv.gz``, see ``data/PROVENANCE.md``): official
names of current communes, names of the delegated and associated former communes of communes
nouvelles (resolved to the commune they now belong to), municipal arrondissements, and each
commune's population (to choose among homonyms when nothing else tells them apart).
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

COG_FILE = Path(__file__).parent / "data" / "cog-communes.csv.gz"

#: Cities with municipal arrondissements: INSEE code of arrondissement n is prefix + n.
ARRONDISSEMENT_CITIES = {"PARIS": ("751", 20), "LYON": ("6938", 9), "MARSEILLE": ("132", 16)}
#: Words partners abbreviate (after `normalise_name`: SAINT -> ST already).
_WORDS = {"S": "SUR", "SS": "SOUS", "SNT": "ST"}
_PLURAL_SAINTS = {"SAINTES": "STES", "SAINTS": "STS"}
_CEDEX = {"CEDEX", "CDX", "CEDEXE"}
_ARR_WORDS = {"ARRONDISSEMENT", "ARRONDT", "ARR", "E", "ER", "EME"}
_ORDINAL = re.compile(r"^(\d{1,2})(?:ER|E|EME|EM|ÈME)?$")
_ROMAN = {"I": 1, "V": 5, "X": 10}
FUZZY_RATIO = 0.84


@dataclass(frozen=True, slots=True)
class CityName:
    """What a city text says: its matching key, an arrondissement number, a CEDEX mark."""

    key: str
    arrondissement: int | None = None
    cedex: bool = False


def _slashes(text: str) -> str:
    """ "S/S" -> SOUS, "S/" and "/S" -> SUR (before punctuation becomes spaces)."""
    text = re.sub(r"(?i)(?<![A-Z])S\s*/\s*S(?![A-Z])", " SOUS ", text)
    text = re.sub(r"(?i)(?<![A-Z])S\s*/", " SUR ", text)
    return re.sub(r"(?i)/\s*S(?![A-Z])", " SUR ", text)


def _roman(word: str) -> int | None:
    word = word.removesuffix("EME").removesuffix("E").removesuffix("ER")
    if not word or any(ch not in _ROMAN for ch in word):
        return None
    total = 0
    for i, ch in enumerate(word):
        value = _ROMAN[ch]
        following = _ROMAN[word[i + 1]] if i + 1 < len(word) else 0
        total += -value if value < following else value
    return total


def _arrondissement(words: list[str]) -> tuple[list[str], int | None]:
    """("PARIS", "11E", "ARRONDISSEMENT") -> (["PARIS"], 11)."""
    if len(words) < 2 or words[0] not in ARRONDISSEMENT_CITIES:
        return words, None
    rest = [w for w in words[1:] if w not in _ARR_WORDS]
    if len(rest) != 1:
        return words, None
    match = _ORDINAL.match(rest[0])
    number = int(match.group(1)) if match else _roman(rest[0])
    if not number or number > ARRONDISSEMENT_CITIES[words[0]][1]:
        return words, None
    return words[:1], number


def parse_city(text: str | None) -> CityName:
    """The key and marks of a city text ("75011 PARIS CEDEX 11" -> PARIS, cedex)."""
    from catalogue.geography import normalise_name

    words = normalise_name(_slashes(text or "")).split()
    cedex = False
    for i, word in enumerate(words):
        if word in _CEDEX:
            words, cedex = words[:i], True
            break
    words = [w for w in words if not (w.isdigit() and len(w) == 5)]  # a postal code
    words, arrondissement = _arrondissement(words)
    words = [_PLURAL_SAINTS.get(w, w if i == 0 else _WORDS.get(w, w)) for i, w in enumerate(words)]
    return CityName(" ".join(words), arrondissement, cedex)


def arrondissement_code(name: CityName) -> str:
    if not name.arrondissement or name.key not in ARRONDISSEMENT_CITIES:
        return ""
    prefix, _count = ARRONDISSEMENT_CITIES[name.key]
    return f"{prefix}{name.arrondissement:0{5 - len(prefix)}d}"


class _Names:
    """Name keys -> gazetteer INSEE codes (labels first, then official and former names)."""

    def __init__(self) -> None:
        from catalogue.geography import _table

        table = _table()
        self.by_key: dict[str, list[str]] = {k: list(v) for k, v in table.by_name.items()}
        self.population: dict[str, int] = {}
        known = set(table.by_insee)
        raw = gzip.decompress(COG_FILE.read_bytes()).decode("utf-8")
        reader = csv.DictReader(io.StringIO(raw))
        for row in reader:
            code = self._gazetteer_code(row, known)
            if not code:
                continue
            if row["population"] and row["kind"] == "C":
                self.population[code] = int(row["population"])
            key = parse_city(row["name"]).key if row["kind"] != "M" else ""
            if key:
                codes = self.by_key.setdefault(key, [])
                if code not in codes:
                    codes.append(code)
        self.keys_of: dict[str, list[str]] = {}
        for key, codes in self.by_key.items():
            for code in codes:
                self.keys_of.setdefault(code, []).append(key)
        self.by_department: dict[str, list[str]] = {}
        for key in self.by_key:
            for dep in {_department(c) for c in self.by_key[key]}:
                self.by_department.setdefault(dep, []).append(key)

    @staticmethod
    def _gazetteer_code(row: dict, known: set[str]) -> str:
        """The gazetteer commune a COG entry names today: a former commune's new commune
        when the gazetteer has it, else its own code; a newer commune nouvelle absent from
        the gazetteer: its first former commune the gazetteer still lists."""
        if row["kind"] in ("D", "A") and row["parent"] in known:
            return row["parent"]
        if row["code"] in known:
            return row["code"]
        for former in row["former_codes"].split():
            if former in known:
                return former
        return ""


def _department(insee: str) -> str:
    from catalogue.geography import department_code_for_insee

    return department_code_for_insee(insee)


_NAMES: _Names | None = None
_LOCK = threading.Lock()


def _names() -> _Names:
    global _NAMES
    if _NAMES is None:
        with _LOCK:
            if _NAMES is None:
                _NAMES = _Names()
    return _NAMES


def population(insee: str) -> int:
    return _names().population.get(insee, 0)


def codes_named(name: CityName) -> list[str]:
    """INSEE codes the name designates (an arrondissement: that one only)."""
    code = arrondissement_code(name)
    if code:
        return [code]
    return list(_names().by_key.get(name.key, ()))


def _prefix_match(keyed: list[tuple[str, str]], key: str) -> str:
    """ "PARIS" matches "PARIS 11"; "ST PARDOUX" matches "ST PARDOUX LE LAC" (one only)."""
    found = {
        code for name, code in keyed if name.startswith(key + " ") or key.startswith(name + " ")
    }
    if len(found) == 1:
        return found.pop()
    return ""


def _fuzzy_match(keyed: list[tuple[str, str]], key: str) -> str:
    """The candidate whose name is closest to the key (typos, a missing article)."""
    best, best_ratio = "", FUZZY_RATIO
    for name, code in keyed:
        ratio = difflib.SequenceMatcher(None, key, name).ratio()
        if ratio > best_ratio:
            best, best_ratio = code, ratio
    return best


def match_code(codes: list[str], name: CityName) -> str:
    """Among candidate INSEE codes (those of a postal code), the one the name designates."""
    if not name.key:
        return ""
    wanted = codes_named(name)
    for code in wanted:
        if code in codes:
            return code
    names = _names()
    keyed = [(key, code) for code in dict.fromkeys(codes) for key in names.keys_of.get(code, ())]
    return _prefix_match(keyed, name.key) or _fuzzy_match(keyed, name.key)


def named_in_department(name: CityName, department_code: str) -> list[str]:
    """Codes of the communes of that name in the department (exact, else closest names)."""
    codes = [c for c in codes_named(name) if _department(c) == department_code]
    if codes or not name.key:
        return codes
    keys = _names().by_department.get(department_code, [])
    close = difflib.get_close_matches(name.key, keys, n=1, cutoff=FUZZY_RATIO)
    if not close:
        return []
    return [c for c in _names().by_key[close[0]] if _department(c) == department_code]


def most_populous(codes: list[str]) -> str:
    """The homonym a name alone most likely means: the most populous (stable ties)."""
    return max(codes, key=lambda c: (population(c), -codes.index(c))) if codes else ""
