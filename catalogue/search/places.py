"""Place look-ups of the search engine used by the territory pages and similar projects.

- `entry_places()`: every entry's (INSEE code, latitude, longitude), read once per data
  version (like the facet value sets of `idsets`), so "how many of these ids fall in each
  commune" and "which of these ids are nearest" cost no database work after the first call;
- `nearest(ids, point, limit)`: the ids nearest a point (haversine), `exclude` left out;
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


def entry_places() -> dict[int, tuple[str, float | None, float | None]]:
    cache = idsets._fresh()
    found = cache["sets"].get(_KEY)
    if found is not None:
        return found
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT page_id, insee_code, latitude, longitude FROM {idsets.ENTRY}")
        found = {pk: (insee or "", lat, lng) for pk, insee, lat, lng in cursor.fetchall()}
    cache["sets"][_KEY] = found
    return found


def ids_by_insee() -> dict[str, frozenset[int]]:
    """INSEE code -> ids of the entries placed there (from `entry_places`, per data version)."""
    cache = idsets._fresh()
    found = cache["sets"].get(_BY_INSEE)
    if found is not None:
        return found
    grouped: dict[str, list[int]] = {}
    for pk, (insee, _lat, _lng) in entry_places().items():
        if insee:
            grouped.setdefault(insee, []).append(pk)
    found = {insee: frozenset(ids) for insee, ids in grouped.items()}
    cache["sets"][_BY_INSEE] = found
    return found


def _km(lat0: float, lng0: float, coslat0: float, lat: float, lng: float) -> float:
    dlat = math.radians(lat - lat0)
    dlng = math.radians(lng - lng0)
    h = math.sin(dlat / 2) ** 2 + coslat0 * math.cos(math.radians(lat)) * math.sin(dlng / 2) ** 2
    return 2 * idsets.EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest(ids, point: tuple[float, float], limit: int, exclude=()) -> list[tuple[int, float]]:
    """(id, km) of the `limit` ids of `ids` nearest `point`, nearest first (ties by id)."""
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


def count_by_commune(ids) -> dict[str, int]:
    places = entry_places()
    counts: dict[str, int] = {}
    for pk in ids:
        place = places.get(pk)
        if place and place[0]:
            counts[place[0]] = counts.get(place[0], 0) + 1
    return counts


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (km) between two (lat, lng) points."""
    return _km(a[0], a[1], math.cos(math.radians(a[0])), b[0], b[1])
