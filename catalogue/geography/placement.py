"""Where a record goes: its commune (INSEE code) and its point, from what its source gives.

The commune is read from the postal code and the commune name together (`names`): the name
picks among the communes of the postal code (homonyms, abbreviations, arrondissements, former
communes of a commune nouvelle, typos); a CEDEX or unknown code is resolved by the name in the
code's department; a name without a code by the name alone (homonyms: the one nearest the
record's coordinates, else the most populous).

**The address wins over the coordinates.** A partner types the address; coordinates are often
geocoded by the partner from less (a postal code's centre, the structure's head office) or
have latitude and longitude swapped. So when both name a commune:

- the coordinates are kept when they agree with the commune the address names: within
  `CONSISTENCY_KM` of its centre, and, beyond `NEAR_KM`, nearest to a commune of the same
  department;
- swapped coordinates that agree once swapped are swapped back;
- otherwise the commune of the address stays, the point becomes its centre, and the
  contradiction is noted (`CONTRADICTION_NOTES`, reported in the harvest run);
- only when the address does not say which commune (a postal code shared by several communes
  and no usable name), the coordinates choose among the communes of the code.
"""

from __future__ import annotations

import math

from catalogue import geography as geo
from catalogue.geography import names
from catalogue.geography.departments import department, department_code_for_postal_code

NEAR_KM = 15.0
NOTE_SWAPPED = "Latitude et longitude inversées par la source : rétablies"
NOTE_CEDEX = "Code postal CEDEX {cp} : commune retrouvée par son nom dans le département"
NOTE_HOMONYM = "Plusieurs communes portent ce nom : la plus peuplée a été retenue"
#: Notes of a placement whose coordinates contradicted the address (reported in the run).
CONTRADICTION_NOTES = frozenset({geo.NOTE_CORRECTED, geo.NOTE_CITY_FAR})


def _valid_point(lat, lon) -> tuple[float, float] | None:
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(la) or math.isnan(lo) or not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None
    if la == 0 and lo == 0:
        return None
    return la, lo


def _nearest_of(communes, point):
    placed = [c for c in communes if c.has_centre]
    best = min(placed, key=lambda c: geo.distance_km(point, (c.lat, c.lon)))
    return best, geo.distance_km(point, (best.lat, best.lon))


def _centre(commune, note: str, status: str) -> geo.GeoResult:
    if commune.has_centre:
        return geo.GeoResult(commune, commune.lat, commune.lon, note, status)
    return geo.GeoResult(commune, None, None, note or geo.NOTE_UNVERIFIED, geo.STATUS_UNVERIFIED)


def agrees(commune, point: tuple[float, float]) -> bool:
    """True when the point may lie in the commune: close to its centre, and (beyond a few
    km) nearest to a commune of the same department."""
    d = geo.distance_km(point, (commune.lat, commune.lon))
    if d > geo.CONSISTENCY_KM:
        return False
    if d <= NEAR_KM or not commune.department_code:
        return True
    near = geo.nearest_commune(point[0], point[1], max_km=geo.OUTSIDE_KM)
    return near is None or near.department_code == commune.department_code


def _with_point(commune, point, note: str = "", status: str = geo.STATUS_OK) -> geo.GeoResult:
    """The commune the address names, checked against the record's coordinates."""
    if point is None:
        return _centre(commune, note, geo.STATUS_GEOCODED if status == geo.STATUS_OK else status)
    if not commune.has_centre:
        return geo.GeoResult(
            commune, point[0], point[1], geo.NOTE_UNVERIFIED, geo.STATUS_UNVERIFIED
        )
    if agrees(commune, point):
        return geo.GeoResult(commune, point[0], point[1], note, status)
    swapped = (point[1], point[0])
    if _valid_point(*swapped) and agrees(commune, swapped):
        return geo.GeoResult(commune, swapped[0], swapped[1], note or NOTE_SWAPPED, status)
    return _centre(commune, geo.NOTE_CORRECTED, geo.STATUS_CORRECTED)


def choose_homonym(codes: list[str], point) -> tuple[object, str]:
    """(commune, note) among communes of one name: nearest to the point, else most populous."""
    communes = [c for c in (geo.commune_by_insee(code) for code in codes) if c is not None]
    if not communes:
        return None, ""
    if point and any(c.has_centre for c in communes):
        nearest, _d = _nearest_of(communes, point)
        if agrees(nearest, point):
            return nearest, ""
    if len(communes) == 1:
        return communes[0], ""
    best = names.most_populous([c.insee_code for c in communes])
    return geo.commune_by_insee(best), NOTE_HOMONYM


def resolve(cp: str, name: names.CityName | None, point=None):
    """The commune an address designates, or None when its name (or lack of one) leaves it
    open; ``cp`` is a normalised postal code or "".

    A name that is no commune of the postal code but one of its department ("44800 Nantes":
    44800 is Saint-Herblain's) is a contradiction between the two: the record's coordinates,
    when it has some, side with the nearer of that commune and the code's communes.
    """
    candidates = geo.communes_for_postal_code(cp) if cp else []
    if name is None or not name.key:
        return None
    if candidates:
        code = names.match_code([c.insee_code for c in candidates], name)
        if code:
            return next((c for c in candidates if c.insee_code == code), None)
    dep = department_code_for_postal_code(cp) if cp else ""
    codes = names.named_in_department(name, dep) if dep else names.codes_named(name)
    commune, _note = choose_homonym(codes, point)
    if commune is not None and point and commune.has_centre and candidates:
        nearest, d = _nearest_of([commune, *candidates], point)
        if d <= geo.CONSISTENCY_KM:
            return nearest
    return commune


def locate(postal_code=None, city=None, lat=None, lon=None) -> geo.GeoResult:
    """Decide where a record goes (see the module's docstring for which source wins).

    - a postal code and a name designating one of its communes (or, failing that, a commune
      of that name in the code's department): that commune, point checked ("ok" / "geocoded",
      "corrected" when the coordinates contradict it);
    - a postal code whose communes the name does not tell apart: the coordinates choose
      ("ok"), else the code's central commune ("geocoded");
    - a CEDEX or unknown code: the name in the code's department, else the coordinates or the
      department's chef-lieu ("approximate");
    - a name alone: the homonym nearest the coordinates, else the most populous;
    - coordinates alone: the nearest commune, or kept and flagged outside France;
    - nothing: "missing".
    """
    cp = geo.normalise_postal_code(postal_code)
    point = _valid_point(lat, lon)
    name = names.parse_city(city) if city else None
    candidates = geo.communes_for_postal_code(cp) if cp else []
    if candidates:
        return _locate_postal_code(cp, candidates, name, point)
    if cp:
        return _locate_unknown_postal_code(cp, name, point)
    if name and name.key:
        codes = names.codes_named(name)
        if codes:
            commune, note = choose_homonym(codes, point)
            result = _with_point(commune, point, note)
            if result.status == geo.STATUS_CORRECTED:
                return _centre(commune, geo.NOTE_CITY_FAR, geo.STATUS_CORRECTED)
            return result
    if point:
        return _reverse(point)
    return geo.GeoResult(None, None, None, "", geo.STATUS_MISSING)


def _locate_postal_code(cp, candidates, name, point) -> geo.GeoResult:
    named = resolve(cp, name, point) if name else None
    if named is not None:
        return _with_point(named, point)
    placed = [c for c in candidates if c.has_centre]
    if point and placed:
        nearest, d = _nearest_of(placed, point)
        if d <= geo.CONSISTENCY_KM:
            return geo.GeoResult(nearest, point[0], point[1], "", geo.STATUS_OK)
        return _centre(geo._centroid_choice(candidates), geo.NOTE_CORRECTED, geo.STATUS_CORRECTED)
    commune = geo._centroid_choice(candidates)
    if point and not commune.has_centre:
        return geo.GeoResult(
            commune, point[0], point[1], geo.NOTE_UNVERIFIED, geo.STATUS_UNVERIFIED
        )
    return _centre(commune, "", geo.STATUS_GEOCODED)


def _reverse(point) -> geo.GeoResult:
    commune = geo.nearest_commune(point[0], point[1], max_km=geo.OUTSIDE_KM)
    if commune is None:
        return geo.GeoResult(None, point[0], point[1], geo.NOTE_OUTSIDE, geo.STATUS_OUTSIDE)
    return geo.GeoResult(commune, point[0], point[1], "", geo.STATUS_OK)


def _locate_unknown_postal_code(cp, name, point) -> geo.GeoResult:
    dep_code = department_code_for_postal_code(cp)
    named = resolve(cp, name, point) if name else None
    if named is not None and (not dep_code or named.department_code == dep_code):
        if name.cedex:
            note, status = NOTE_CEDEX.format(cp=cp), geo.STATUS_GEOCODED
        else:
            note, status = geo.NOTE_UNKNOWN_CP_CITY.format(cp=cp), geo.STATUS_APPROXIMATE
        result = _with_point(named, point, note, status)
        return result if result.status != geo.STATUS_CORRECTED else _centre(named, note, status)
    if point and dep_code:
        near = geo.nearest_commune(point[0], point[1], max_km=geo.OUTSIDE_KM)
        if near and near.department_code == dep_code:
            note = geo.NOTE_UNKNOWN_CP_COORDS.format(cp=cp)
            return geo.GeoResult(near, point[0], point[1], note, geo.STATUS_APPROXIMATE)
    return _department_guess(cp, dep_code, point)


def _department_guess(cp, dep_code, point) -> geo.GeoResult:
    dep = department(dep_code)
    if dep:
        chef_lieu = geo.commune_by_insee(dep.chef_lieu_insee)
        if chef_lieu:
            note = geo.NOTE_UNKNOWN_CP_CHEF_LIEU.format(cp=cp)
            return _centre(chef_lieu, note, geo.STATUS_APPROXIMATE)
    # Last resort: the first commune whose postal code shares the two-digit prefix.
    table = geo._table()
    for code in sorted(table.by_postal):
        if code[:2] == cp[:2]:
            guess = table.commune(table.by_postal[code][0])
            note = geo.NOTE_UNKNOWN_CP_GUESS.format(cp=cp)
            return _centre(guess, note, geo.STATUS_APPROXIMATE)
    if point:
        return _reverse(point)
    return geo.GeoResult(None, None, None, "", geo.STATUS_MISSING)
