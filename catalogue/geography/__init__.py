"""Offline gazetteer of French communes: postal codes, names, centres, departments, regions.

One compact table (``data/communes.csv.gz``, see ``data/PROVENANCE.md``) is loaded lazily, once
per process, into parallel lists plus a few indexes (postal code, INSEE code, a 0.1° grid for
reverse look-ups, a sorted name list for autocomplete). No network, no database: the sample
loader, the harvester's geocoder, the search filter and the map all call these functions.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import math
import re
import threading
import unicodedata
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from catalogue.geography.departments import (
    DEPARTMENTS,
    REGIONS,
    department,
    department_code_for_insee,
    department_code_for_postal_code,
)

__all__ = [
    "Commune",
    "GeoResult",
    "DEPARTMENTS",
    "REGIONS",
    "autocomplete",
    "commune_by_insee",
    "communes_for_postal_code",
    "display_name",
    "distance_km",
    "find_commune",
    "locate",
    "nearest_commune",
    "normalise_name",
    "normalise_postal_code",
]

DATA_FILE = Path(__file__).parent / "data" / "communes.csv.gz"

# A point farther than this from every commune with the declared postal code contradicts it.
CONSISTENCY_KM = 30.0
# A point farther than this from every commune centre is considered outside France.
OUTSIDE_KM = 30.0
_CELL = 0.1  # grid cell size in degrees

# Municipal codes absent from the data (only arrondissements are listed): a fixed centre.
_CITIES_WITH_ARRONDISSEMENTS: dict[str, tuple[str, str, float, float, str]] = {
    # insee: (name, postal code, lat, lon, arrondissement INSEE prefix)
    "75056": ("PARIS", "75001", 48.85661, 2.35222, "751"),
    "69123": ("LYON", "69001", 45.76404, 4.83566, "6938"),
    "13055": ("MARSEILLE", "13001", 43.29648, 5.36978, "132"),
}

# --- statuses of GeoResult -------------------------------------------------------------------
STATUS_OK = "ok"  # given coordinates kept, consistent with the postal code (or placed in France)
STATUS_GEOCODED = "geocoded"  # no coordinates given: commune centre from postal code / city
STATUS_CORRECTED = "corrected"  # given coordinates contradicted the postal code: replaced
STATUS_APPROXIMATE = "approximate"  # unknown postal code: department chef-lieu or a guess
STATUS_OUTSIDE = "outside"  # coordinates only, far from every French commune: kept, flagged
STATUS_UNVERIFIED = "unverified"  # commune has no centre in the data (e.g. Polynesia, Monaco)
STATUS_MISSING = "missing"  # nothing usable

NOTE_CORRECTED = (
    "Coordonnées d'origine incohérentes avec le code postal : "
    "remplacées par le centre de la commune"
)
NOTE_UNKNOWN_CP_CHEF_LIEU = (
    "Code postal {cp} inexistant : localisation approximative au chef-lieu du département"
)
NOTE_UNKNOWN_CP_GUESS = (
    "Code postal {cp} inexistant : localisation approximative dans une commune du même département"
)
NOTE_UNKNOWN_CP_CITY = "Code postal {cp} inexistant : commune retrouvée par son nom"
NOTE_UNKNOWN_CP_COORDS = "Code postal {cp} inexistant : commune déduite des coordonnées"
NOTE_OUTSIDE = "Coordonnées situées hors de France (aucune commune à moins de 30 km)"
NOTE_UNVERIFIED = "Coordonnées non vérifiables : la commune n'a pas de centre connu"
NOTE_CITY_FAR = "Coordonnées d'origine incohérentes avec la commune : remplacées par son centre"


@dataclass(frozen=True, slots=True)
class Commune:
    """One commune as shown to users; ``postal_code`` is the one matched (or the first)."""

    insee_code: str
    name: str
    postal_code: str
    lat: float | None
    lon: float | None
    department_code: str
    department_name: str
    region_code: str
    region_name: str
    postal_codes: tuple[str, ...] = field(default=())

    @property
    def has_centre(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class GeoResult:
    """Outcome of `locate`: where to put a record and why (``note`` is shown to editors)."""

    commune: Commune | None
    lat: float | None
    lon: float | None
    note: str = ""
    status: str = STATUS_MISSING


# --- normalisation -----------------------------------------------------------------------------

_SAINT = {"SAINT": "ST", "SAINTE": "STE"}
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def normalise_name(s: str | None) -> str:
    """Matching key of a place name: upper case, no accents, SAINT(E) -> ST(E), no punctuation.

    "Saint-Brieuc", "ST BRIEUC" and "st-brieuc" all give "ST BRIEUC" (the La Poste form used by
    the data). Hyphens and apostrophes become spaces; spaces are collapsed.
    """
    if not s:
        return ""
    text = s.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    words = _NON_ALNUM.sub(" ", text).split()
    return " ".join(_SAINT.get(w, w) for w in words)


def normalise_postal_code(value: str | int | None) -> str:
    """Five-digit postal code or "" ("8000" -> "08000", "29 200" -> "29200")."""
    if value is None:
        return ""
    digits = re.sub(r"[\s.]", "", str(value))
    if not digits.isdigit():
        return ""
    if len(digits) == 4:
        digits = "0" + digits
    return digits if len(digits) == 5 else ""


_LOWER_WORDS = {
    "SUR", "SOUS", "EN", "DE", "DES", "DU", "LA", "LE", "LES", "ET", "AUX", "AU", "LEZ",
}  # fmt: skip
_ARTICLES = {"LE", "LA", "LES"}


def display_name(label: str) -> str:
    """Readable name from a La Poste label: "ST BRIEUC" -> "Saint-Brieuc", "PONT D AIN" ->
    "Pont-d'Ain", "LE HAVRE" -> "Le Havre", "PARIS 01" -> "Paris 1er arrondissement".

    Accents cannot be recovered from the data and stay absent.
    """
    words = label.split()
    if not words:
        return ""
    if len(words) == 2 and words[1].isdigit() and words[0] in ("PARIS", "LYON", "MARSEILLE"):
        n = int(words[1])
        return f"{words[0].capitalize()} {n}{'er' if n == 1 else 'e'} arrondissement"
    prefix = ""
    if words[0] in _ARTICLES and len(words) > 1:
        prefix = words[0].capitalize() + " "
        words = words[1:]
    parts: list[str] = []
    pending_elision = ""
    for i, word in enumerate(words):
        if word in ("D", "L") and i < len(words) - 1:
            elided = word.lower() if (i > 0 or prefix) else word
            pending_elision += elided + "'"
            continue
        if word == "ST":
            text = "Saint"
        elif word == "STE":
            text = "Sainte"
        elif word in _LOWER_WORDS and (i > 0 or prefix):
            text = word.lower()
        else:
            text = "-".join(p.capitalize() for p in word.split("-"))
        if pending_elision:
            text = pending_elision + text
            pending_elision = ""
            if parts:
                parts[-1] += "-" + text
                continue
        parts.append(text)
    return prefix + "-".join(parts)


# --- the table ---------------------------------------------------------------------------------


class _Gazetteer:
    """Parallel columns (one entry per (INSEE, postal code) row) and indexes over them."""

    def __init__(self, path: Path) -> None:
        self.insee: list[str] = []
        self.label: list[str] = []
        self.postal: list[str] = []
        self.lat = array("d")
        self.lon = array("d")  # NaN when unknown
        self.by_postal: dict[str, list[int]] = {}
        self.by_insee: dict[str, list[int]] = {}
        raw = gzip.decompress(path.read_bytes()).decode("utf-8")
        reader = csv.reader(io.StringIO(raw))
        next(reader)
        intern = {}
        for i, (insee, label, cp, lat, lon) in enumerate(reader):
            cp = intern.setdefault(cp, cp)
            self.insee.append(insee)
            self.label.append(label)
            self.postal.append(cp)
            self.lat.append(float(lat) if lat else math.nan)
            self.lon.append(float(lon) if lon else math.nan)
            self.by_postal.setdefault(cp, []).append(i)
            self.by_insee.setdefault(insee, []).append(i)
        # Grid of one row per INSEE code having a centre, for nearest-commune look-ups.
        self.grid: dict[tuple[int, int], list[int]] = {}
        for rows in self.by_insee.values():
            i = rows[0]
            if not math.isnan(self.lat[i]):
                self.grid.setdefault(_cell(self.lat[i], self.lon[i]), []).append(i)
        # Sorted (normalised name, INSEE) for prefix search, municipal codes included.
        names = {
            (normalise_name(self.label[rows[0]]), insee) for insee, rows in self.by_insee.items()
        }
        names.update((normalise_name(v[0]), k) for k, v in _CITIES_WITH_ARRONDISSEMENTS.items())
        self.names: list[tuple[str, str]] = sorted(names)
        self.name_keys: list[str] = [n for n, _ in self.names]
        self.by_name: dict[str, list[str]] = {}
        for key, insee in self.names:
            self.by_name.setdefault(key, []).append(insee)

    def commune(self, i: int, postal_code: str = "") -> Commune:
        insee = self.insee[i]
        dep = department(department_code_for_insee(insee))
        lat = self.lat[i]
        return Commune(
            insee_code=insee,
            name=display_name(self.label[i]),
            postal_code=postal_code or self.postal[i],
            lat=None if math.isnan(lat) else lat,
            lon=None if math.isnan(lat) else self.lon[i],
            department_code=dep.code if dep else "",
            department_name=dep.name if dep else "",
            region_code=dep.region_code if dep else "",
            region_name=dep.region_name if dep else "",
            postal_codes=tuple(self.postal[j] for j in self.by_insee[insee]),
        )


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / _CELL), math.floor(lon / _CELL))


_TABLE: _Gazetteer | None = None
_LOCK = threading.Lock()


def _table() -> _Gazetteer:
    global _TABLE
    if _TABLE is None:
        with _LOCK:
            if _TABLE is None:
                _TABLE = _Gazetteer(DATA_FILE)
    return _TABLE


def _municipal(insee: str) -> Commune:
    name, cp, lat, lon, prefix = _CITIES_WITH_ARRONDISSEMENTS[insee]
    t = _table()
    codes = sorted(
        {t.postal[j] for k, rows in t.by_insee.items() if k.startswith(prefix) for j in rows}
    )
    dep = department(department_code_for_insee(insee))
    assert dep is not None
    return Commune(
        insee_code=insee,
        name=name.capitalize(),
        postal_code=cp,
        lat=lat,
        lon=lon,
        department_code=dep.code,
        department_name=dep.name,
        region_code=dep.region_code,
        region_name=dep.region_name,
        postal_codes=tuple(codes),
    )


# --- look-ups ----------------------------------------------------------------------------------


def communes_for_postal_code(cp: str | int | None) -> list[Commune]:
    """Every commune served by this postal code, in data order; [] if the code does not exist."""
    code = normalise_postal_code(cp)
    t = _table()
    return [t.commune(i, code) for i in t.by_postal.get(code, ())]


def commune_by_insee(code: str | None) -> Commune | None:
    """The commune with this INSEE code; Paris/Lyon/Marseille municipal codes give the city
    centre (the data only lists their arrondissements)."""
    key = (code or "").strip().upper()
    if key in _CITIES_WITH_ARRONDISSEMENTS:
        return _municipal(key)
    rows = _table().by_insee.get(key)
    return _table().commune(rows[0]) if rows else None


def _centroid_choice(communes: list[Commune]) -> Commune:
    """Among communes sharing a postal code, the one nearest the group's centroid.

    Without population data this favours the central town that gives the code its name over
    outlying villages; it is deterministic and good enough for a map pin.
    """
    placed = [c for c in communes if c.has_centre]
    if len(placed) < 2:
        return placed[0] if placed else communes[0]
    mlat = sum(c.lat for c in placed) / len(placed)  # type: ignore[misc]
    mlon = sum(c.lon for c in placed) / len(placed)  # type: ignore[misc]
    return min(placed, key=lambda c: distance_km((mlat, mlon), (c.lat, c.lon)))  # type: ignore[arg-type]


def find_commune(postal_code: str | None = None, city: str | None = None) -> Commune | None:
    """Best commune for a postal code and/or a city name; None if nothing fits.

    The name picks among the communes of the postal code (see `placement.resolve`: homonyms,
    abbreviations, arrondissements, former communes, CEDEX codes), falling back to the code's
    central commune when the name matches none. A name alone: the most populous homonym.
    """
    from catalogue.geography import names, placement

    cp = normalise_postal_code(postal_code)
    found = placement.resolve(cp, names.parse_city(city)) if city else None
    if found is not None:
        return found
    candidates = communes_for_postal_code(cp) if cp else []
    return _centroid_choice(candidates) if candidates else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in km between two (lat, lon) points."""
    lat1, lon1 = map(math.radians, a)
    lat2, lon2 = map(math.radians, b)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def nearest_commune(lat: float, lon: float, max_km: float | None = None) -> Commune | None:
    """The commune whose centre is nearest to the point, or None beyond ``max_km``.

    Searches rings of 0.1° grid cells outwards and stops as soon as no unvisited cell can hold
    a closer centre, so a call touches a few dozen rows instead of 35,000.
    """
    t = _table()
    ci, cj = _cell(lat, lon)
    km_per_cell_lat = _CELL * 111.19
    # Smallest east-west extent of a cell near this latitude (cells shrink towards the poles).
    coslat = max(0.01, math.cos(math.radians(min(89.0, abs(lat) + 1.0))))
    km_per_cell = min(km_per_cell_lat, km_per_cell_lat * coslat)
    limit = max_km if max_km is not None else 20_000.0
    max_ring = int(limit / km_per_cell) + 2
    max_ring = min(max_ring, 1800)
    best_i, best_d = -1, math.inf
    for r in range(max_ring + 1):
        # Any row in ring r is at least (r - 1) cells away from the point.
        if best_i >= 0 and (r - 1) * km_per_cell > best_d:
            break
        if (r - 1) * km_per_cell > limit:
            break
        for i in range(ci - r, ci + r + 1):
            for j in range(cj - r, cj + r + 1):
                if r and abs(i - ci) != r and abs(j - cj) != r:
                    continue
                for row in t.grid.get((i, j), ()):
                    d = distance_km((lat, lon), (t.lat[row], t.lon[row]))
                    if d < best_d:
                        best_i, best_d = row, d
        if r > 3 and best_i < 0 and not t.grid:
            break
    if best_i < 0 or (max_km is not None and best_d > max_km):
        return None
    return t.commune(best_i)


def autocomplete(prefix: str, limit: int = 10) -> list[Commune]:
    """Communes whose normalised name starts with the normalised prefix.

    Exact matches first, then alphabetical; one entry per INSEE code. "Sain" also finds the
    "ST ..." communes, since the data abbreviates Saint.
    """
    key = normalise_name(prefix)
    if not key or limit <= 0:
        return []
    keys = [key]
    head, _, last = key.rpartition(" ")
    if len(last) >= 3 and ("SAINTE".startswith(last) and last not in ("ST", "STE")):
        keys.append((head + " " if head else "") + "ST")
    t = _table()
    found: dict[str, str] = {}
    for k in keys:
        start = bisect.bisect_left(t.name_keys, k)
        for name, insee in t.names[start:]:
            if not name.startswith(k):
                break
            found.setdefault(insee, name)

    def order(item: tuple[str, str]) -> tuple[bool, str, str]:
        spelled = " ".join({"ST": "SAINT", "STE": "SAINTE"}.get(w, w) for w in item[1].split())
        return (item[1] != key, spelled, item[0])

    ordered = sorted(found.items(), key=order)
    result = []
    for insee, _ in ordered[:limit]:
        commune = commune_by_insee(insee)
        if commune:
            result.append(commune)
    return result


# --- the geolocation policy (catalogue/geography/placement.py) ---------------------------------

from catalogue.geography.placement import (  # noqa: E402 - uses the look-ups above
    CONTRADICTION_NOTES,
    locate,
)

__all__ += ["CONTRADICTION_NOTES", "department_code_for_postal_code"]
