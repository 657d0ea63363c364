"""Commune names as partners write them, matched to the gazetteer's communes.

A partner writes "ST PARDOUX LE LAC", "Saint-Symphorien-s/-Couze", "PARIS CEDEX 11",
"Marseille 1er", "Roussac" (a former commune, now part of a commune nouvelle) or a name with a
typo. `parse_city` turns such a text into a `CityName` (matching key, arrondissement number,
CEDEX flag); `match_code` picks the commune it names among candidates (the communes of a
postal code), `codes_named` / `named_in_department` find the communes of that name.

Names come from two tables: the gazetteer's La Poste labels (``data/communes.csv.gz``) and the
Code officiel géographique (``catalogue/territories/data/territories.json.gz``, see its
PROVENANCE.md): official names of current communes, names of the delegated and associated
former communes of communes nouvelles (resolved to the commune they now belong to), and each
commune's population (to choose among homonyms when nothing else tells them apart).
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

#: Official names, former communes and populations (the territories' conversion of INSEE's Code
#: officiel géographique, see catalogue/territories/data/PROVENANCE.md).
OFFICIAL_FILE = Path(__file__).parents[1] / "territories" / "data" / "territories.json.gz"

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


def official_tables() -> dict:
    """The Code officiel géographique as the territories ship it (``communes``: [insee, name,
    department, epci, population]; ``aliases``: [code, current insee]; ``former_names``:
    [code, name, current insee])."""
    return json.loads(gzip.decompress(OFFICIAL_FILE.read_bytes()))


class _Names:
    """Name keys -> gazetteer INSEE codes (labels first, then official and former names)."""

    def __init__(self) -> None:
        from catalogue.geography import _table

        table = _table()
        self.by_key: dict[str, list[str]] = {k: list(v) for k, v in table.by_name.items()}
        self.population: dict[str, int] = {}
        known = set(table.by_insee)
        tables = official_tables()
        formers: dict[str, list[str]] = {}
        for code, parent in tables["aliases"]:
            formers.setdefault(parent, []).append(code)
        for insee, name, _dep, _epci, population in tables["communes"]:
            code = (
                insee
                if insee in known
                else next((c for c in formers.get(insee, ()) if c in known), "")
            )  # a commune nouvelle newer than the gazetteer: a former commune it still lists
            if code:
                self.population[code] = population
                self._add(name, code)
        for code, name, parent in tables["former_names"]:
            # A former commune: its commune nouvelle when the gazetteer has it, else itself.
            self._add(name, parent if parent in known else code if code in known else "")
        self.keys_of: dict[str, list[str]] = {}
        for key, codes in self.by_key.items():
            for code in codes:
                self.keys_of.setdefault(code, []).append(key)
        self.by_department: dict[str, list[str]] = {}
        for key in self.by_key:
            for dep in {_department(c) for c in self.by_key[key]}:
                self.by_department.setdefault(dep, []).append(key)

    def _add(self, name: str, code: str) -> None:
        key = parse_city(name).key
        if key and code:
            codes = self.by_key.setdefault(key, [])
            if code not in codes:
                codes.append(code)


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
