"""The ``territoire`` filter of a `SearchQuery`: the projects of a region, department, EPCI or
commune (see `catalogue.territories.geo`).

Regions and departments are the index's columns (the same id sets as the ``region`` and
``departement`` facets, so a territory page counts exactly what the facet counts); an EPCI or
a commune is the set of entries whose INSEE code is one of its communes' codes (from the
engine's per-data-version places, `places.ids_by_insee`) (delegated
communes and municipal arrondissements included). An unknown territory matches nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import ProjectSearchEntry
from . import idsets, places

COLUMN = {"region": "region", "departement": "departement"}


def _resolve(key: str):
    from ..territories import geo

    return geo.parse_key(key)


def territory_ids(key: str) -> frozenset[int]:
    """Entry ids of the territory `key` (cached per data version, like facet values)."""
    territory = _resolve(key)
    if territory is None:
        return frozenset()
    if territory.kind in COLUMN:
        return idsets.value_ids(COLUMN[territory.kind], territory.code)
    sets = idsets._fresh()["sets"]  # see idsets._advance
    found = sets.get(("territoire", key))
    if found is not None:
        return found
    from ..territories import geo

    by_insee = places.ids_by_insee()
    found = frozenset().union(*(by_insee.get(code, ()) for code in geo.commune_codes(territory)))
    if len(sets) < idsets._CACHE_LIMIT:
        sets[("territoire", key)] = found
    return found


def filter_territory(qs: QuerySet, key: str) -> QuerySet:
    """The ORM form of the filter (map, API, exports build on querysets)."""
    territory = _resolve(key)
    if territory is None:
        return qs.none()
    if territory.kind == "region":
        return qs.filter(region_code=territory.code)
    if territory.kind == "departement":
        return qs.filter(department_code=territory.code)
    from ..territories import geo

    return qs.filter(insee_code__in=sorted(geo.commune_codes(territory)))


def entries_in(key: str) -> QuerySet:
    return filter_territory(ProjectSearchEntry.objects.all(), key)
