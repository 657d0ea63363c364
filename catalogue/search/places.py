"""Place look-ups of the search engine used by the territory pages and similar projects.

- `entry_places()`: every entry's (INSEE code, latitude, longitude), read once per data
  version (like the facet value sets of `idsets`), so "how many of these ids fall in each
  commune" and "which of these ids are nearest" cost no database work after the first call;
- `nearest(ids, point, limit)`: the ids nearest a point (haversine), `exclude` left out, read
  from a grid of the entries (cells of `CELL_DEG`, per data version) ring by ring around the
  point, until no cell further out can hold a nearer one (the whole set only past `MAX_RING`);
- `count_by_commune(ids)`: INSEE code -> how many of `ids` are placed there.

Only index rows are read: live, public projects only (see `ProjectSearchEntry`).
"""

from __future__ import annotations

import heapq
import math

from django.db import connection

from . import idsets

_KEY = ("*", "places")
_BY_INSEE = ("*", "places-by-insee")
_GRID = ("*", "places-grid")
#: Grid cells of a quarter degree (~28 km north-south); beyond MAX_RING rings (~10°), a scan.
CELL_DEG = 0.25
MAX_RING = 40
_KM_PER_DEG = math.pi * idsets.EARTH_RADIUS_KM / 180


def entry_places() -> dict[int, tuple[str, float | None, float | None]]:
    sets = idsets._fresh()["sets"]  # see idsets._advance
    found = sets.get(_KEY)
    if found is not None:
        return found
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT page_id, insee_code, latitude, longitude FROM {idsets.ENTRY}")
        found = {pk: (insee or "", lat, lng) for pk, insee, lat, lng in cursor.fetchall()}
    sets[_KEY] = found
    return found


def ids_by_insee() -> dict[str, frozenset[int]]:
    """INSEE code -> ids of the entries placed there (from `entry_places`, per data version)."""
    sets = idsets._fresh()["sets"]
    found = sets.get(_BY_INSEE)
    if found is not None:
        return found
    grouped: dict[str, list[int]] = {}
    for pk, (insee, _lat, _lng) in entry_places().items():
        if insee:
            grouped.setdefault(insee, []).append(pk)
    found = {insee: frozenset(ids) for insee, ids in grouped.items()}
    sets[_BY_INSEE] = found
    return found


def _km(lat0: float, lng0: float, coslat0: float, lat: float, lng: float) -> float:
    dlat = math.radians(lat - lat0)
    dlng = math.radians(lng - lng0)
    h = math.sin(dlat / 2) ** 2 + coslat0 * math.cos(math.radians(lat)) * math.sin(dlng / 2) ** 2
    return 2 * idsets.EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _grid() -> dict[tuple[int, int], list[tuple[int, float, float]]]:
    """Cell -> (id, lat, lng) of the entries placed there (per data version)."""
    sets = idsets._fresh()["sets"]
    found = sets.get(_GRID)
    if found is not None:
        return found
    found = {}
    for pk, (_insee, lat, lng) in entry_places().items():
        if lat is not None and lng is not None:
            cell = (math.floor(lat / CELL_DEG), math.floor(lng / CELL_DEG))
            found.setdefault(cell, []).append((pk, lat, lng))
    sets[_GRID] = found
    return found


def _ring(ci: int, cj: int, r: int):
    """The cells at Chebyshev distance `r` from (ci, cj)."""
    if r == 0:
        yield ci, cj
        return
    for j in range(cj - r, cj + r + 1):
        yield ci - r, j
        yield ci + r, j
    for i in range(ci - r + 1, ci + r):
        yield i, cj - r
        yield i, cj + r


def _outside(r: int, lat0: float, reach_km: float) -> float:
    """A lower bound of the distance from a point of the centre cell to any point beyond
    ring `r` that lies within `reach_km` of it (latitude: exact; longitude: at the highest
    latitude such a point may have)."""
    by_lat = r * CELL_DEG * _KM_PER_DEG
    top = min(90.0, abs(lat0) + reach_km / _KM_PER_DEG + CELL_DEG)
    half = math.radians(r * CELL_DEG) / 2
    by_lng = (
        2
        * idsets.EARTH_RADIUS_KM
        * math.asin(min(1.0, math.cos(math.radians(top)) * math.sin(half)))
    )
    return min(by_lat, by_lng)


def _scan(ids, point, limit, exclude) -> list[tuple[int, float]]:
    """The baseline: every id's distance (what `nearest` does past MAX_RING)."""
    places = entry_places()
    lat0, lng0 = point
    coslat0 = math.cos(math.radians(lat0))
    candidates = []
    for pk in ids:
        if pk in exclude:
            continue
        place = places.get(pk)
        if place is None or place[1] is None or place[2] is None:
            continue
        candidates.append((_km(lat0, lng0, coslat0, place[1], place[2]), pk))
    return [(pk, km) for km, pk in heapq.nsmallest(limit, candidates)]


def nearest(ids, point: tuple[float, float], limit: int, exclude=()) -> list[tuple[int, float]]:
    """(id, km) of the `limit` ids of `ids` nearest `point`, nearest first (ties by id)."""
    if limit <= 0 or not ids:
        return []
    grid = _grid()
    lat0, lng0 = point
    coslat0 = math.cos(math.radians(lat0))
    ci, cj = math.floor(lat0 / CELL_DEG), math.floor(lng0 / CELL_DEG)
    candidates: list[tuple[float, int]] = []
    for r in range(MAX_RING + 1):
        for cell in _ring(ci, cj, r):
            for pk, lat, lng in grid.get(cell, ()):
                if pk in ids and pk not in exclude:
                    candidates.append((_km(lat0, lng0, coslat0, lat, lng), pk))
        if len(candidates) >= limit:
            best = heapq.nsmallest(limit, candidates)
            if best[-1][0] < _outside(r, lat0, best[-1][0]):
                return [(pk, km) for km, pk in best]
    return _scan(ids, point, limit, exclude)


def count_by_commune(ids) -> dict[str, int]:
    places = entry_places()
    counts: dict[str, int] = {}
    for pk in ids:
        place = places.get(pk)
        if place and place[0]:
            counts[place[0]] = counts.get(place[0], 0) + 1
    return counts


def held(key: tuple, compute):
    """`compute()`, held per data version under `key` (a tuple whose first item is not a
    facet name): structures derived from the index that every territory page shares."""
    sets = idsets._fresh()["sets"]
    found = sets.get(key)
    if found is None:
        found = sets[key] = compute()
    return found


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (km) between two (lat, lng) points."""
    return _km(a[0], a[1], math.cos(math.radians(a[0])), b[0], b[1])
