"""Execute a `SearchQuery` against the denormalised index (`ProjectSearchEntry`).

- `matching_entries(query)`: a queryset of index rows (text, facets, geo applied; no ordering
  unless asked). The map, the API and the exports build on it.
- `execute(query)`: the count, one page of `ProjectPage` objects in the requested order, and
  the facet counts. A facet's counts apply every filter except that facet's own selection
  ("counts that reflect the other active filters"): one grouped pass over the matched ids for
  all facets without a selection, plus one per facet with a selection. Filters are combined as
  id sets (see `idsets.py`), so each filter costs one look-up, whatever the number of facets.

Full text: FTS5 + BM25 on SQLite (query terms light-stemmed like the index, see `text.py`),
tsvector + ``ts_rank`` on PostgreSQL (``carrefour_fr``: unaccent + French Snowball stemmer).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from django.core.cache import caches
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, F, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils.connection import ConnectionProxy

from .. import freshness
from ..models import ProjectFacetValue, ProjectPage, ProjectSearchEntry
from . import bitmaps, idsets, ranking
from . import text as textmod
from .query import FACETS, SearchQuery
from .schema import FTS_TABLE, TS_CONFIG

# Facet counts are memoisation: the "memo" cache (per process without Redis, see settings).
cache = ConnectionProxy(caches, "memo")
EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.195

# Facets stored as a column of the entry (one value per project): filtered on the column.
COLUMN_FACETS = idsets.COLUMN_FACETS
# Multi-valued facets: filtered through ProjectFacetValue.
TABLE_FACETS = ("domaine", "public", "methode", "code", "suggere", "partenaire", "fraicheur")
FACET_CACHE_SECONDS = 300


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
class _Counted:
    """A sequence of known length whose only materialised slice is the current page."""

    def __init__(self, count: int, offset: int, items: list):
        self._count, self._offset, self._items = count, offset, items

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, key):
        if isinstance(key, slice):
            start = (key.start or 0) - self._offset
            stop = (key.stop if key.stop is not None else self._count) - self._offset
            return self._items[max(0, start) : max(0, stop)]
        return self._items[key - self._offset]


@dataclass
class SearchResults:
    query: SearchQuery
    count: int
    results: list  # ProjectPage objects of the current page, in order
    facets: dict[str, list[dict]] = field(default_factory=dict)
    sort: str = "newest"
    page_obj: PaginatorPage | None = None
    commune: object = None  # geography.Commune of a radius search
    # When nothing matches: [{"facet", "value", "label", "count", "query"}], best first.
    suggestions: list[dict] = field(default_factory=list)
    # Distances (km) from the commune, by page id, for "nearest" and radius searches.
    distances: dict[int, float] = field(default_factory=dict)

    @property
    def paginator(self):
        return self.page_obj.paginator if self.page_obj else None

    def __iter__(self):
        return iter(self.results)

    def __len__(self):
        return len(self.results)


# ---------------------------------------------------------------------------------------------
# Text backends
# ---------------------------------------------------------------------------------------------
def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def text_terms(query: SearchQuery) -> list[str]:
    return textmod.query_terms(query.text, stemming=not _is_postgres()) if query.text else []


def _fts_expression(terms: list[str]) -> str:
    # Every term required (implicit AND); quoted, so nothing is parsed as FTS5 syntax.
    return " ".join(f'"{t}"' for t in terms)


def _pg_tsquery_text(terms: list[str]) -> str:
    return " ".join(terms)


def _filter_text(qs: QuerySet, terms: list[str]) -> QuerySet:
    if not terms:
        return qs
    if _is_postgres():
        return qs.filter(
            RawSQL(
                "search_vector @@ plainto_tsquery(%s::regconfig, %s)",
                [TS_CONFIG, _pg_tsquery_text(terms)],
                output_field=BooleanField(),
            )
        )
    return qs.filter(
        pk__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_expression(terms)]
        )
    )


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------
def _apply_constraint(qs: QuerySet, facet: str, values: list[str]) -> QuerySet:
    if facet in COLUMN_FACETS:
        return qs.filter(**{f"{COLUMN_FACETS[facet]}__in": values})
    if facet == "coup_de_coeur":
        return qs.filter(coup_de_coeur=True) if "1" in values else qs.none()
    if facet == "reference":
        wanted = {v for v in values if v in ("oui", "non")}
        if wanted == {"oui"}:
            return qs.filter(still_listed=True)
        if wanted == {"non"}:
            return qs.filter(still_listed=False)
        return qs if wanted else qs.none()
    if facet in TABLE_FACETS:
        return qs.filter(
            pk__in=ProjectFacetValue.objects.filter(facet=facet, value__in=values).values(
                "entry_id"
            )
        )
    return qs


def geo_centre(query: SearchQuery):
    """(lat, lng, commune) of the radius search, or None when there is none (or no centre)."""
    if not query.commune:
        return None
    from ..geography import commune_by_insee

    commune = commune_by_insee(query.commune)
    if commune is None or not commune.has_centre:
        return None
    return commune.lat, commune.lon, commune


def distance_expression(lat0: float, lng0: float):
    """Haversine distance (km) from a point to each entry, as an ORM expression."""
    dlat = Radians(F("latitude") - lat0) / 2
    dlng = Radians(F("longitude") - lng0) / 2
    a = Power(Sin(dlat), 2) + math.cos(math.radians(lat0)) * Cos(Radians(F("latitude"))) * Power(
        Sin(dlng), 2
    )
    return 2 * EARTH_RADIUS_KM * ASin(Sqrt(a))


def _apply_geo(qs: QuerySet, query: SearchQuery) -> QuerySet:
    if query.bbox:
        west, south, east, north = query.bbox
        qs = qs.filter(latitude__gte=south, latitude__lte=north)
        qs = qs.filter(longitude__gte=west, longitude__lte=east)
    centre = geo_centre(query)
    if centre:
        lat0, lng0, _commune = centre
        radius = query.effective_radius_km
        dlat = radius / KM_PER_DEGREE
        dlng = radius / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat0))))
        # Bounding-box prefilter on the indexed columns, then the exact distance.
        qs = qs.filter(latitude__gte=lat0 - dlat, latitude__lte=lat0 + dlat)
        qs = qs.filter(longitude__gte=lng0 - dlng, longitude__lte=lng0 + dlng)
        qs = qs.alias(distance_km=distance_expression(lat0, lng0)).filter(distance_km__lte=radius)
    return qs


def _filtered(query: SearchQuery, *, exclude_facet: str | None = None, text: bool = True):
    qs = ProjectSearchEntry.objects.all()
    for facet, values in query.constraints(exclude=exclude_facet):
        qs = _apply_constraint(qs, facet, values)
    qs = _apply_geo(qs, query)
    if query.territory:
        from .territory import filter_territory

        qs = filter_territory(qs, query.territory)
    if text:
        qs = _filter_text(qs, text_terms(query))
    return qs


def matching_entries(query: SearchQuery, *, ordered: bool = False) -> QuerySet:
    """Index rows matching the query (text, facets, presets, geo).

    Unordered by default (cheapest for counts, the map and exports); ``ordered=True`` applies
    the query's sort, relevance included.
    """
    qs = _filtered(query)
    if not ordered:
        return qs.order_by()
    return _order(qs, query)


def _order(qs: QuerySet, query: SearchQuery) -> QuerySet:
    sort = query.effective_sort
    if sort == "relevance":
        terms = text_terms(query)
        if _is_postgres() and terms:
            return qs.annotate(
                rank=RawSQL(
                    "ts_rank(search_vector, plainto_tsquery(%s::regconfig, %s))",
                    [TS_CONFIG, _pg_tsquery_text(terms)],
                    output_field=FloatField(),
                )
            ).order_by("-rank", "-first_published_at", "pk")
        if terms:
            return qs.annotate(
                rank=RawSQL(
                    f"(SELECT bm25({FTS_TABLE}, 10.0, 1.0) FROM {FTS_TABLE} "
                    f"WHERE {FTS_TABLE} MATCH %s AND rowid = "
                    f"{ProjectSearchEntry._meta.db_table}.page_id)",
                    [_fts_expression(terms)],
                    output_field=FloatField(),
                )
            ).order_by("rank", "pk")
    if sort == "title":
        return qs.order_by("title_sort", "pk")
    if sort == "confirmed":
        return qs.order_by(F("confirmed_at").desc(nulls_last=True), "-pk")
    if sort == "nearest":
        point = _nearest_point(query)
        if point:
            return qs.annotate(distance=distance_expression(*point)).order_by("distance", "pk")
    return qs.order_by(F("first_published_at").desc(nulls_last=True), "-pk")


def _nearest_point(query: SearchQuery):
    centre = geo_centre(query)
    if centre:
        return centre[0], centre[1]
    if query.bbox:
        west, south, east, north = query.bbox
        return (south + north) / 2, (west + east) / 2
    return None


# ---------------------------------------------------------------------------------------------
# Facets
# ---------------------------------------------------------------------------------------------
def facet_counts(query: SearchQuery, facets: list[str] | None = None) -> dict[str, dict[str, int]]:
    """facet -> {value: count}, each facet counted with the other facets' filters applied."""
    return _counts(query, _sets(query), facets)


def _sets(query: SearchQuery):
    return idsets.build(query, text_terms(query), geo_centre(query))


def _counts(query, sets, facets=None) -> dict[str, dict[str, int]]:
    facets = [f for f in (facets or FACETS) if f in FACETS]
    selected = [f for f in facets if query.filters.get(f)]
    unselected = [f for f in facets if not query.filters.get(f)]
    counts = bitmaps.grouped_counts(sets.matched(), unselected)
    for facet in selected:
        ids = sets.matched(exclude=facet)
        if ids is not None and facet in idsets.SMALL_FACETS:
            counts[facet] = idsets.small_facet_counts(ids, facet)
        else:
            counts.update(bitmaps.grouped_counts(ids, [facet]))
    return counts


_label_tables: dict = {}


def _label_table(kind: str) -> dict[str, str]:
    """slug/code -> label for the database-backed facets, read once per data version."""
    from ..models import NomenclatureCode, PartnerPage, TaxonomyGroup

    version = freshness.current()
    if _label_tables.get("version") != version:
        _label_tables.clear()
        _label_tables["version"] = version
    if kind not in _label_tables:
        if kind == "taxonomy":
            rows = TaxonomyGroup.objects.values_list("slug", "name")
        elif kind == "code":
            rows = NomenclatureCode.objects.values_list("code", "name")
        else:
            rows = PartnerPage.objects.values_list("slug", "title")
        _label_tables[kind] = dict(rows)
    return _label_tables[kind]


def _labels(facet: str, values) -> dict[str, str]:
    from ..geography import DEPARTMENTS, REGIONS
    from ..models import Scale, Stage, StructureKind

    values = list(values)
    if facet in ("domaine", "public", "methode", "code", "suggere", "partenaire"):
        kind = {"code": "code", "suggere": "code", "partenaire": "partner"}.get(facet, "taxonomy")
        table = _label_table(kind)
        found = {v: table[v] for v in values if v in table}
        if len(found) < len(values):  # a value added since: read again
            _label_tables.pop(kind, None)
            table = _label_table(kind)
            found = {v: table[v] for v in values if v in table}
        return found
    if facet == "structure":
        return {v: str(StructureKind(v).label) for v in values if v in StructureKind.values}
    if facet == "stade":
        return {v: str(Stage(v).label) for v in values if v in Stage.values}
    if facet == "echelle":
        return {v: str(Scale(v).label) for v in values if v in Scale.values}
    if facet == "region":
        return {v: REGIONS.get(v, v) for v in values}
    if facet == "departement":
        return {v: f"{DEPARTMENTS[v].name} ({v})" if v in DEPARTMENTS else v for v in values}
    if facet == "reference":
        return {"oui": "Toujours référencé par une source", "non": "Plus référencé"}
    if facet == "coup_de_coeur":
        return {"1": "Coups de cœur de la rédaction"}
    if facet == "fraicheur":
        from ..confirmation import VALUES

        return {v: str(VALUES[v]) for v in values if v in VALUES}
    return {}


def label_for(facet: str, value: str) -> str:
    return _labels(facet, [value]).get(value, value)


def _facet_lists(query: SearchQuery, counts: dict[str, dict[str, int]]) -> dict[str, list[dict]]:
    result = {}
    for facet in FACETS:
        if facet not in counts:
            continue
        values = dict(counts[facet])
        for value in query.filters.get(facet, ()):
            values.setdefault(value, 0)  # a selected value stays visible (to untick it)
        labels = _labels(facet, values)
        items = [
            {
                "value": value,
                "label": labels.get(value, value),
                "count": n,
                "selected": query.is_selected(facet, value),
            }
            for value, n in values.items()
        ]
        items.sort(key=lambda i: (not i["selected"], -i["count"], textmod.fold(i["label"])))
        result[facet] = items
    return result


def _cacheable(query: SearchQuery) -> bool:
    return not query.has_filters


def invalidate_cache() -> None:
    freshness.bump()


# ---------------------------------------------------------------------------------------------
# Execute
# ---------------------------------------------------------------------------------------------
def _page_ids(query: SearchQuery, matched, limit: int, offset: int) -> list[int]:
    """One page of ids in the query's order; `matched` is the id set (None: everything)."""
    sort = query.effective_sort
    terms = text_terms(query)
    if sort == "relevance" and terms:
        return ranking.ranked_ids(matched, terms, limit, offset)
    qs = ProjectSearchEntry.objects.all()
    if matched is not None:
        condition, params = idsets.id_condition(
            f"{ProjectSearchEntry._meta.db_table}.page_id", matched
        )
        qs = qs.extra(where=[condition], params=params)
    return list(_order(qs, query).values_list("pk", flat=True)[offset : offset + limit])


def fetch_pages(ids: list[int]) -> list[ProjectPage]:
    """Project pages in the order of `ids`, ready for cards (image, codes, sources, partners)."""
    pages = ProjectPage.objects.filter(pk__in=ids).select_related("image")
    pages = pages.prefetch_related("sources__partner", "codes")
    by_id = {p.pk: p for p in pages}
    return [by_id[i] for i in ids if i in by_id]


def execute(
    query: SearchQuery,
    *,
    facets: list[str] | None = None,
    with_facets: bool = True,
    suggest: bool = True,
) -> SearchResults:
    """Run a search: count, one page of pages, facet counts (and suggestions when empty)."""
    sets = _sets(query)
    matched = sets.matched()
    count = idsets.total() if matched is None else len(matched)
    counts = {}
    if with_facets:
        cache_key = None
        if _cacheable(query) and idsets.cache_allowed():
            digest = hashlib.sha1(f"{query.cache_key()}|{facets}".encode()).hexdigest()
            cache_key = f"search:facets:{freshness.current()}:{digest}"
            counts = cache.get(cache_key)
        if not counts:
            counts = _counts(query, sets, facets)
            if cache_key:
                cache.set(cache_key, counts, FACET_CACHE_SECONDS)

    per_page = query.per_page
    num_pages = max(1, math.ceil(count / per_page))
    number = min(query.page, num_pages)
    offset = (number - 1) * per_page
    ids = _page_ids(query, matched, per_page, offset) if count else []
    pages = fetch_pages(ids)
    paginator = Paginator(_Counted(count, offset, pages), per_page)
    page_obj = paginator.page(number)

    centre = geo_centre(query)
    distances = {}
    if centre and pages:
        from ..geography import distance_km

        for page in pages:
            if page.latitude is not None and page.longitude is not None:
                distances[page.pk] = distance_km(
                    (centre[0], centre[1]), (page.latitude, page.longitude)
                )
    results = SearchResults(
        query=query,
        count=count,
        results=pages,
        facets=_facet_lists(query, counts) if with_facets else {},
        sort=query.effective_sort,
        page_obj=page_obj,
        commune=centre[2] if centre else None,
        distances=distances,
    )
    if count == 0 and suggest and query.has_filters:
        results.suggestions = suggestions(query)
    return results


def count_of(query: SearchQuery) -> int:
    """How many projects match (no page, no facet)."""
    matched = _sets(query).matched()
    return idsets.total() if matched is None else len(matched)


def suggestions(query: SearchQuery, limit: int = 3) -> list[dict]:
    """Ways out of an empty result: removing one filter (best first); when no single removal
    is enough, removing the narrowest filters (those matching fewest projects) one by one
    until something matches."""
    candidates = []
    if query.text:
        candidates.append(("q", None, f"« {query.text} »"))
    for facet, values in query.filters.items():
        labels = _labels(facet, values)
        for value in values:
            candidates.append((facet, value, labels.get(value, value)))
    if query.commune:
        candidates.append(("commune", None, query.commune))
    if query.bbox:
        candidates.append(("bbox", None, "zone de la carte"))
    found = []
    for facet, value, label in candidates:
        relaxed = query.without(facet, value)
        n = count_of(relaxed)
        if n:
            found.append(
                {"facet": facet, "value": value, "label": label, "count": n, "query": relaxed}
            )
    if found or len(candidates) < 2:
        found.sort(key=lambda s: -s["count"])
        return found[:limit]

    def alone(candidate):
        facet, value, _label = candidate
        only = query.without("q").without("commune").without("bbox")
        only = only.replace(filters={})
        if facet == "q":
            only = only.replace(text=query.text)
        elif facet == "commune":
            only = only.replace(commune=query.commune, radius_km=query.radius_km)
        elif facet == "bbox":
            only = only.replace(bbox=query.bbox)
        else:
            only = only.with_value(facet, value)
        return count_of(only)

    relaxed, removed = query, []
    for facet, value, label in sorted(candidates, key=alone):
        relaxed = relaxed.without(facet, value)
        removed.append(label)
        n = count_of(relaxed)
        if n:
            return [
                {
                    "facet": facet,
                    "value": value,
                    "label": " et ".join(removed),
                    "count": n,
                    "query": relaxed,
                }
            ]
    return []
