"""Statistics of the published catalogue: counts by Domaine, Public, region, department,
partner and launch year, read from the search index (live, public projects only) with one
GROUP BY each, cached per data version. `charts` turns them into accessible SVG.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from .. import freshness
from ..collation import french_key

CACHE_SECONDS = 600
OLD_YEAR = 1980
# Statistic name -> heading. Order = display order (StatsBlock offers the same choices).
STATISTICS = {
    "domaine": _("Projets par domaine"),
    "public": _("Projets par public"),
    "region": _("Projets par région"),
    "departement": _("Projets par département"),
    "partenaire": _("Projets par partenaire source"),
    "annee": _("Projets par année de lancement"),
}


@dataclass
class Series:
    name: str
    title: str
    rows: list[tuple[str, str, int]]  # (value, label, count)
    total: int
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def max(self) -> int:
        return max((n for _v, _l, n in self.rows), default=0)


def _entries(query=None):
    from ..models import ProjectSearchEntry

    if query is None or (not query.has_filters and not query.presets):
        return ProjectSearchEntry.objects.all()
    from ..search import matching_entries

    return matching_entries(query)


def _facet_counts(entries, facet: str) -> dict[str, int]:
    from ..models import ProjectFacetValue

    rows = (
        ProjectFacetValue.objects.filter(facet=facet, entry_id__in=entries.order_by().values("pk"))
        .order_by()
        .values_list("value")
        .annotate(n=Count("*"))
        .values_list("value", "n")
    )
    return dict(rows)


def _column_counts(entries, column: str) -> dict:
    rows = entries.order_by().values_list(column).annotate(n=Count("*")).values_list(column, "n")
    return {value: n for value, n in rows if value not in (None, "")}


def _labels(facet: str, values) -> dict[str, str]:
    from ..geography import DEPARTMENTS, REGIONS
    from ..models import PartnerPage, TaxonomyGroup

    if facet in ("domaine", "public"):
        return dict(TaxonomyGroup.objects.filter(slug__in=values).values_list("slug", "name"))
    if facet == "partenaire":
        return dict(PartnerPage.objects.filter(slug__in=values).values_list("slug", "title"))
    if facet == "region":
        return {v: REGIONS.get(v, v) for v in values}
    if facet == "departement":
        return {v: f"{DEPARTMENTS[v].name} ({v})" if v in DEPARTMENTS else v for v in values}
    return {v: v for v in values}


def _by_count(counts: dict, labels: dict) -> list[tuple[str, str, int]]:
    rows = [(value, labels.get(value, value), n) for value, n in counts.items()]
    rows.sort(key=lambda r: (-r[2], french_key(r[1])))
    return rows


def compute(query=None) -> dict[str, Series]:
    """Every statistic (uncached); `query` restricts them to a search's matches."""
    entries = _entries(query)
    total = entries.count()
    out: dict[str, Series] = {}
    for facet in ("domaine", "public", "partenaire"):
        counts = _facet_counts(entries, facet)
        out[facet] = Series(
            facet, str(STATISTICS[facet]), _by_count(counts, _labels(facet, counts)), total
        )
    for facet, column in (("region", "region_code"), ("departement", "department_code")):
        counts = _column_counts(entries, column)
        out[facet] = Series(
            facet, str(STATISTICS[facet]), _by_count(counts, _labels(facet, counts)), total
        )
    years = _column_counts(entries, "start_year")
    old = sum(n for year, n in years.items() if year < OLD_YEAR)
    rows = [(str(y), str(y), n) for y, n in sorted(years.items()) if y >= OLD_YEAR]
    if old:
        rows.insert(0, (f"<{OLD_YEAR}", gettext("Avant %(year)s") % {"year": OLD_YEAR}, old))
    unknown = total - sum(years.values())
    out["annee"] = Series(
        "annee",
        str(STATISTICS["annee"]),
        rows,
        total,
        note=gettext("%(n)s projet(s) sans année de lancement connue.") % {"n": unknown}
        if unknown
        else "",
    )
    for series in out.values():
        located = sum(n for _v, _l, n in series.rows)
        if series.name in ("region", "departement") and located < total:
            series.note = gettext("%(n)s projet(s) sans localisation connue.") % {
                "n": total - located
            }
    return out


def statistics(query=None) -> dict[str, Series]:
    """`compute`, cached per data version and query."""
    key_part = query.cache_key() if query is not None else ""
    digest = hashlib.md5(key_part.encode(), usedforsecurity=False).hexdigest()
    key = f"stats:{freshness.current()}:{get_language()}:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = compute(query)
        cache.set(key, cached, CACHE_SECONDS)
    return cached
