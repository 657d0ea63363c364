"""Id sets: how `execute()` combines filters cheaply.

Each part of a query (the text, each facet filter, each preset, the place) is turned into the
set of matching entry ids once; the matched set is their intersection, computed in Python, and
"every filter but facet F" (for F's counts) is another intersection of the same sets, with no
new database work. Facet counts are then one GROUP BY restricted to an id set, which is passed
to the database as one parameter (a JSON array read by ``json_each`` on SQLite, an array on
PostgreSQL). A facet value's id set is cached per process and per data version
(`freshness.current()`), so repeated filters cost nothing until the index changes.

Nested SQL subqueries did the same work once per facet and per query: this is what brought a
search with text, two facets and all counts from ~0.5 s to tens of milliseconds at 50k (see
bench/search.py).

This module holds the per-version structures (`_fresh()`) and the id sets themselves. Large
id sets (a common word alone matches 40 % of the catalogue) are not sent back to the
database, where the cost grows with the number of ids: their facet counts come from per-value
bitmaps (`bitmaps.py`) and their relevance order from the text's full order (`ranking.py`),
both held in the same structures.

After a change (a new data version), the held structures are not read again: the pages the
index journal lists since them are applied as a delta (`delta.py`), so the first query after
a publish costs about what any other does.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from django.core.cache import caches
from django.db import connection, transaction
from django.utils.connection import ConnectionProxy

from .. import freshness
from ..models import ProjectFacetValue, ProjectSearchEntry
from ..project_fields import PAGE_FACETS
from . import delta
from .query import SearchQuery
from .schema import FTS_TABLE, TS_CONFIG

# Shared between processes only with Redis: the "memo" cache (see settings).
shared_cache = ConnectionProxy(caches, "memo")
ENTRY = ProjectSearchEntry._meta.db_table
FACETS_TABLE = ProjectFacetValue._meta.db_table
# Facets stored as a column of the entry (one value per project): declared with the page fields
# (catalogue.project_fields; the entry's column has the page column's name), coup de coeur
# apart (a boolean).
COLUMN_FACETS = {facet: column for column, facet in PAGE_FACETS if facet != "coup_de_coeur"}
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.195


def _empty(version=None, journal=None) -> dict:
    # sets: (facet, value) -> ids; bitmaps: facet -> {value: bitmap}; orders: term tuple ->
    # ids in relevance order (an array), oldest first; order_keys: term tuple -> their sort
    # keys (PostgreSQL, see `delta`); journal: the index journal's position they reflect.
    return {
        "version": version,
        "journal": journal,
        "sets": {},
        "total": None,
        "bitmaps": {},
        "orders": {},
        "order_keys": {},
    }


_cache: dict = {**_empty(), "journal_reset": 0}
_CACHE_LIMIT = 400  # facet values held per process (about 250 exist)
# Bitmaps and orders (`bitmaps`, `ranking`) are also shared between processes through Django's
# cache (Redis in production), under the data version: a process started or refreshed after a
# data change takes them from there instead of reading them again.
SHARED_SECONDS = 600


_BYPASS = _empty()


def _fresh():
    """The cache, or a throw-away one while this connection's open transaction has written
    the index: those rows may still be rolled back, so nothing read now may be kept."""
    if getattr(connection, "search_index_dirty", False):
        if connection.in_atomic_block:
            _BYPASS.update(_empty())
            return _BYPASS
        connection.search_index_dirty = False
    version = freshness.current()
    if _cache["version"] != version:
        _advance(version)
    return _cache


_advancing = threading.Lock()


def _advance(version: str) -> None:
    """A new data version: apply the pages the index journal lists since the held structures
    (`delta`), or start empty when it cannot say."""
    # Readers do not take the lock: each stores what it computed into the dictionary it read
    # from (`sets = _fresh()["sets"]`), which `delta.apply` iterates over as a copy and then
    # replaces; a result computed meanwhile is lost with the old dictionary, never kept as the
    # new version's, and never changes a dictionary while it is being iterated over.
    with _advancing:
        if _cache["version"] == version:  # another thread did it meanwhile
            return
        position, changed, reset = delta.since(_cache["journal"], _cache["journal_reset"])
        if changed is None:
            _cache.update(_empty(version, position), journal_reset=reset)
            return
        delta.apply(_cache, changed)
        _cache.update(version=version, journal=position, journal_reset=reset)


def forget() -> None:
    """Drop every held structure (the next query reads them again)."""
    _cache.update(_empty(), journal_reset=0)


def cache_allowed() -> bool:
    return _fresh() is _cache


def written() -> None:
    """Called by the indexer after each write (see `_fresh`). The held structures stay: the
    data version the indexer bumps next makes readers apply the journal (`_advance`)."""
    if connection.in_atomic_block:
        connection.search_index_dirty = True


def _fetch(sql: str, params) -> frozenset[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return frozenset(map(itemgetter(0), cursor.fetchall()))


# Facets with few values: their counts over an id set can be computed in Python from the
# values' cached id sets (a hash look-up per id and value) instead of a GROUP BY over the set.
SMALL_FACETS = {
    "domaine",
    "public",
    "methode",
    "structure",
    "stade",
    "echelle",
    "reference",
    "coup_de_coeur",
    "fraicheur",
}


def facet_value_sets(facet: str) -> dict[str, frozenset[int]]:
    """Every value of a facet with its entry ids (one query, cached per data version)."""
    sets = _fresh()["sets"]  # stored into below, not into a newer version's (see `_advance`)
    key = ("*", facet)
    found = sets.get(key)
    if found is not None:
        return found
    if facet in COLUMN_FACETS:
        column = COLUMN_FACETS[facet]
        sql, params = f"SELECT {column}, page_id FROM {ENTRY} WHERE {column} <> %s", [""]
    elif facet == "reference":
        sql, params = f"SELECT still_listed, page_id FROM {ENTRY}", []
    elif facet == "coup_de_coeur":
        sql, params = f"SELECT coup_de_coeur, page_id FROM {ENTRY} WHERE coup_de_coeur", []
    else:
        sql, params = f"SELECT value, entry_id FROM {FACETS_TABLE} WHERE facet = %s", [facet]
    grouped: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for value, pk in cursor.fetchall():
            if facet == "reference":
                value = "oui" if value else "non"
            elif facet == "coup_de_coeur":
                value = "1"
            grouped.setdefault(value, []).append(pk)
    found = {value: frozenset(ids) for value, ids in grouped.items()}
    sets[key] = found
    return found


def small_facet_counts(ids, facet: str) -> dict[str, int]:
    """Counts of a small facet's values over `ids`, from the cached value sets."""
    counts = {}
    for value, members in facet_value_sets(facet).items():
        n = len(ids & members) if len(ids) < len(members) else len(members & ids)
        if n:
            counts[value] = n
    return counts


def total() -> int:
    cache = _fresh()
    found, version = cache["total"], cache["version"]
    if found is None:
        found = ProjectSearchEntry.objects.count()
        if cache["version"] == version:  # not a count of the version before, kept as the new
            cache["total"] = found
    return found


def value_ids(facet: str, value: str) -> frozenset[int]:
    """Entries having one facet value (cached per data version)."""
    sets = _fresh()["sets"]
    key = (facet, value)
    ids = sets.get(key)
    if ids is None:
        if facet in COLUMN_FACETS:
            ids = _fetch(f"SELECT page_id FROM {ENTRY} WHERE {COLUMN_FACETS[facet]} = %s", [value])
        elif facet == "reference":
            flag = {"oui": True, "non": False}.get(value)
            ids = (
                frozenset()
                if flag is None
                else _fetch(f"SELECT page_id FROM {ENTRY} WHERE still_listed = %s", [flag])
            )
        elif facet == "coup_de_coeur":
            ids = (
                _fetch(f"SELECT page_id FROM {ENTRY} WHERE coup_de_coeur = %s", [True])
                if value == "1"
                else frozenset()
            )
        else:
            ids = _fetch(
                f"SELECT entry_id FROM {FACETS_TABLE} WHERE facet = %s AND value = %s",
                [facet, value],
            )
        if len(sets) < _CACHE_LIMIT:
            sets[key] = ids
    return ids


def constraint_ids(facet: str, values: list[str]) -> frozenset[int]:
    """OR within a facet: the union of its values' sets."""
    sets = [value_ids(facet, v) for v in values]
    if len(sets) == 1:
        return sets[0]
    return frozenset().union(*sets)


@contextmanager
def through_indexes():
    """Run the enclosed statements with PostgreSQL's sequential scans disabled (a no-op
    elsewhere); for statements that match free text.

    The planner costs ``search_vector @@ query`` like a cheap operator, but on a sequential
    scan every row's tsvector is read (most are TOASTed) and tested: for a common word (40 %
    of 100,000 rows) it estimated the scan within 3 % of the GIN bitmap scan and picked it
    after a bulk load, 310 ms against 17 ms (EXPLAIN ANALYZE in bench/RESULTS.md). The GIN
    index is always the right way in: it answers without reading any tsvector.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield
        # SET LOCAL outlives a released savepoint: switch it back for the rest of an outer
        # transaction (on an error, rolling back to the savepoint undoes it).
        cursor.execute("SET LOCAL enable_seqscan = on")


def text_ids(terms: list[str]) -> frozenset[int]:
    order = _fresh()["orders"].get(tuple(terms))
    if order is not None:  # already read in full for its relevance order
        return frozenset(order)
    if connection.vendor == "postgresql":
        with through_indexes():
            return _fetch(
                f"SELECT page_id FROM {ENTRY} "
                "WHERE search_vector @@ plainto_tsquery(%s::regconfig, %s)",
                [TS_CONFIG, " ".join(terms)],
            )
    expression = " ".join(f'"{t}"' for t in terms)
    return _fetch(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])


def geo_ids(query: SearchQuery, centre) -> frozenset[int] | None:
    """Entries in the map view and/or within the radius (bounding box, then haversine)."""
    conditions, params = [], []
    if query.bbox:
        west, south, east, north = query.bbox
        conditions.append("latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s")
        params += [south, north, west, east]
    radius = None
    if centre:
        lat0, lng0 = centre[0], centre[1]
        radius = query.effective_radius_km
        dlat = radius / KM_PER_DEGREE
        dlng = radius / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat0))))
        conditions.append("latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s")
        params += [lat0 - dlat, lat0 + dlat, lng0 - dlng, lng0 + dlng]
    if not conditions:
        return None
    sql = f"SELECT page_id, latitude, longitude FROM {ENTRY} WHERE " + " AND ".join(conditions)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if radius is None:
        return frozenset(row[0] for row in rows)
    from ..geography import distance_km

    point = (centre[0], centre[1])
    return frozenset(pk for pk, lat, lng in rows if distance_km(point, (lat, lng)) <= radius)


@dataclass
class QuerySets:
    """The id sets of one query; `None` as a set means "no restriction"."""

    # (facet name for a URL filter, or None for text/presets/place, ids)
    parts: list[tuple[str | None, frozenset[int]]] = field(default_factory=list)

    def matched(self, exclude: str | None = None, skip: int | None = None):
        sets = [
            ids
            for n, (facet, ids) in enumerate(self.parts)
            if (exclude is None or facet != exclude) and n != skip
        ]
        if not sets:
            return None
        sets.sort(key=len)
        result = set(sets[0])
        for ids in sets[1:]:
            result &= ids
            if not result:
                break
        return result


def build(query: SearchQuery, terms: list[str], centre) -> QuerySets:
    sets = QuerySets()
    for facet, values in query.presets.items():
        if values:
            sets.parts.append((None, constraint_ids(facet, values)))
    for facet, values in query.filters.items():
        if values:
            sets.parts.append((facet, constraint_ids(facet, values)))
    if terms:
        sets.parts.append(("q", text_ids(terms)))
    place = geo_ids(query, centre)
    if place is not None:
        sets.parts.append(("place", place))
    if query.territory:
        from .territory import territory_ids

        sets.parts.append(("territoire", territory_ids(query.territory)))
    return sets


def id_condition(column: str, ids) -> tuple[str, list]:
    """``column IN <ids>`` as one SQL parameter, whatever the number of ids."""
    ordered = sorted(ids)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ordered]
    return f"{column} IN (SELECT value FROM json_each(%s))", [
        "[" + ",".join(map(str, ordered)) + "]"
    ]
