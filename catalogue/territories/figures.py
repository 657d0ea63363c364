"""Every figure of a territory page, computed by the search engine (`catalogue.search`).

The projects of a territory are the matches of ``SearchQuery(territory=...)``, so each count
here is the count the results page shows for the same filter. `figures()` returns plain data
(JSON-ready): the page, the CSV, the JSON API and the "Territoire" block all render it.
"""

from __future__ import annotations

import functools

from django.urls import reverse

from ..search import engine, idsets, places
from ..search.query import SearchQuery
from . import geo

SHARE_FACETS = ("domaine", "public")
NEAREST = 3
COMPARABLE = 3
PARTNERS = 20


def url_of(territory: geo.Territory) -> str:
    return reverse("territory", args=[territory.kind, territory.code])


def describe(territory: geo.Territory) -> dict:
    return {
        "kind": territory.kind,
        "code": territory.code,
        "name": territory.name,
        "population": territory.population,
        "url": url_of(territory),
    }


def query_of(territory: geo.Territory, base: SearchQuery | None = None) -> SearchQuery:
    return (base or SearchQuery()).replace(territory=territory.key)


@functools.lru_cache(maxsize=4096)
def centre(territory: geo.Territory) -> tuple[float, float] | None:
    """A point standing for the territory: its (most populous) commune's centre."""
    from ..geography import commune_by_insee

    if territory.kind == "commune":
        candidates = [territory]
    elif territory.kind == "epci":
        candidates = geo.members(territory)
    else:
        field = "department_codes" if territory.kind == "departement" else "region_codes"
        candidates = sorted(
            (c for c in geo.all_of("commune") if territory.code in getattr(c, field)),
            key=lambda c: -c.population,
        )
    for commune in candidates[:20]:
        for code in sorted(geo.commune_codes(commune)):
            found = commune_by_insee(code)
            if found is not None and found.has_centre:
                return found.lat, found.lon
    return None


def _labels(facet: str) -> list[tuple[str, str]]:
    """(slug, name) of every group of a taxonomy family, in display order."""
    from ..models import TaxonomyGroup
    from ..search.query import TAXONOMY_FACETS

    groups = TaxonomyGroup.objects.filter(family=TAXONOMY_FACETS[facet])
    return list(groups.order_by("sort_order", "name").values_list("slug", "name"))


def _share(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def _shares(facet, here, here_total, national, national_total, regional, regional_total):
    rows = []
    for slug, name in _labels(facet):
        n = here.get(slug, 0)
        row = {
            "slug": slug,
            "name": name,
            "count": n,
            "share": _share(n, here_total),
            "national_count": national.get(slug, 0),
            "national_share": _share(national.get(slug, 0), national_total),
        }
        if regional is not None:
            row["regional_count"] = regional.get(slug, 0)
            row["regional_share"] = _share(regional.get(slug, 0), regional_total)
        row["gap"] = round(row["share"] - row["national_share"], 1)
        rows.append(row)
    return rows


def _partners(counts: dict[str, int]) -> list[dict]:
    from ..models import PartnerPage

    pages = {p.slug: p for p in PartnerPage.objects.live().public().filter(slug__in=list(counts))}
    rows = [
        {"slug": slug, "name": pages[slug].title, "count": n, "url": pages[slug].url}
        for slug, n in counts.items()
        if slug in pages
    ]
    rows.sort(key=lambda r: (-r["count"], r["name"]))
    return rows[:PARTNERS]


def _territory_counts(kind: str, ids) -> dict[str, int]:
    """Territory code -> how many of `ids` it holds, for one kind of territory."""
    if kind in ("region", "departement"):
        sets = idsets.facet_value_sets(kind)
        return {code: len(ids & members) for code, members in sets.items() if ids & members}
    counts: dict[str, int] = {}
    for insee, n in places.count_by_commune(ids).items():
        commune = geo.current_commune(insee)
        if commune is None:
            continue
        code = commune.code if kind == "commune" else commune.epci_code
        if code:
            counts[code] = counts.get(code, 0) + n
    return counts


def _domain_territories(kind: str, slug: str, ids):
    """The territories of one kind holding projects of a domain: code -> count, and the
    territories by population class. The same for every page: held per data version."""

    def compute():
        counts = _territory_counts(kind, ids)
        by_class: dict[int, list[geo.Territory]] = {}
        for code in counts:
            found = geo.get(kind, code)
            if found is not None:
                by_class.setdefault(found.population_class, []).append(found)
        return counts, by_class

    return places.held(("territories", kind, slug), compute)


def _cards(pairs: list[tuple[int, float]]) -> list[dict]:
    from ..models import ProjectSearchEntry

    entries = {
        e.pk: e
        for e in ProjectSearchEntry.objects.filter(pk__in=[pk for pk, _ in pairs]).only(
            "pk", "title", "url", "city", "department_code"
        )
    }
    return [
        {
            "id": pk,
            "title": entries[pk].title,
            "url": entries[pk].url,
            "city": entries[pk].city,
            "department": entries[pk].department_code,
            "distance_km": round(km, 1),
        }
        for pk, km in pairs
        if pk in entries
    ]


def missing(territory: geo.Territory, domains: list[dict], here_ids) -> list[dict]:
    """Each domain with no project here: the nearest projects elsewhere and comparable
    territories (same kind, same population class) that have some."""
    point = centre(territory)
    rows = []
    for domain in domains:
        if domain["count"]:
            continue
        ids = idsets.value_ids("domaine", domain["slug"])
        nearest = places.nearest(ids, point, NEAREST, exclude=here_ids) if point else []
        counts, by_class = _domain_territories(territory.kind, domain["slug"], ids)
        pool = by_class.get(territory.population_class, ())
        similar = geo.comparable(territory, pool, limit=COMPARABLE)
        rows.append(
            {
                "slug": domain["slug"],
                "name": domain["name"],
                "national_count": domain["national_count"],
                "nearest": _cards(nearest),
                "comparable": [{**describe(t), "count": counts[t.code]} for t in similar],
            }
        )
    return rows


def _projects_url() -> str:
    from ..models import ProjectIndexPage

    index = ProjectIndexPage.objects.live().first()
    return index.url if index is not None else "/projets/"


def figures(territory: geo.Territory) -> dict:
    """The territory's figures (see the module docstring); uncached."""
    query = query_of(territory)
    sets = engine._sets(query)
    here_ids = sets.matched() or set()
    total = len(here_ids)
    facets = [*SHARE_FACETS, "partenaire"]
    here = engine._counts(query, sets, facets)
    national_total = idsets.total()
    national = engine.facet_counts(SearchQuery(), list(SHARE_FACETS))
    region = geo.region_of(territory)
    regional = regional_total = None
    if region is not None:
        regional_query = query_of(region)
        regional_total = engine.count_of(regional_query)
        regional = engine.facet_counts(regional_query, list(SHARE_FACETS))
    shares = {
        facet: _shares(
            facet,
            here.get(facet, {}),
            total,
            national.get(facet, {}),
            national_total,
            regional.get(facet, {}) if regional is not None else None,
            regional_total,
        )
        for facet in SHARE_FACETS
    }
    return {
        "territory": {
            **describe(territory),
            "epci_kind": territory.epci_kind if territory.kind == "epci" else "",
            "parents": [describe(t) for t in geo.parents(territory)],
        },
        "source": geo.source(),
        "projects": total,
        "national_projects": national_total,
        "regional_projects": regional_total,
        "region": describe(region) if region is not None else None,
        "per_10000": round(total * 10_000 / territory.population, 2)
        if territory.population
        else None,
        "domains": shares["domaine"],
        "publics": shares["public"],
        "partners": _partners(here.get("partenaire", {})),
        "missing": missing(territory, shares["domaine"], here_ids),
        "search_url": _projects_url() + query.querystring(),
    }
