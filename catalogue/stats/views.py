"""The statistics page (`/statistiques/`) and the chart list shared with `StatsBlock`."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import STATISTICS, Series, charts, statistics

COLUMNS = {
    "domaine": gettext_lazy("Domaine"),
    "public": gettext_lazy("Public"),
    "region": gettext_lazy("Région"),
    "departement": gettext_lazy("Département"),
    "partenaire": gettext_lazy("Partenaire"),
    "annee": gettext_lazy("Année de lancement"),
}
# The department statistic is also drawn as a map.
DEFAULT_CHARTS = ("domaine", "public", "region", "departement", "carte", "partenaire", "annee")


def describe(series: Series, limit: int = 5) -> str:
    """A sentence summing up a chart for screen readers (the table holds every number)."""
    if not series.rows:
        return _("Aucun projet.")
    if series.name == "annee":
        best = max(series.rows, key=lambda r: r[2])
        return _("%(first)s à %(last)s ; année la plus fréquente : %(best)s (%(n)s projets).") % {
            "first": series.rows[0][1],
            "last": series.rows[-1][1],
            "best": best[1],
            "n": best[2],
        }
    top = ", ".join(f"{label} : {n}" for _v, label, n in series.rows[:limit])
    more = len(series.rows) - limit
    text = _("En tête : %(top)s.") % {"top": top}
    if more > 0:
        text += " " + _("%(more)s autres valeurs dans le tableau.") % {"more": more}
    return text


def territory_links(series: Series) -> dict[str, str]:
    """value -> territory page, for the region and department statistics."""
    if series.name not in ("region", "departement"):
        return {}
    from ..territories import geo
    from ..territories.figures import url_of

    found = (geo.get(series.name, value) for value, _label, _n in series.rows)
    return {t.code: url_of(t) for t in found if t is not None}


def chart_items(stats: dict[str, Series], names=DEFAULT_CHARTS, prefix: str = "stats"):
    items = []
    for name in names:
        if name == "carte":
            series = stats["departement"]
            items.append(
                {
                    "id": f"{prefix}-carte",
                    "kind": "map",
                    "heading": _("Carte des projets par département"),
                    "series": series,
                    "chart": charts.department_map(series),
                    "description": describe(series),
                    "column": COLUMNS["departement"],
                    "links": territory_links(series),
                }
            )
            continue
        if name not in stats:
            continue
        series = stats[name]
        items.append(
            {
                "id": f"{prefix}-{name}",
                "kind": "bar",
                "heading": STATISTICS[name],
                "series": series,
                "chart": charts.bar_chart(series),
                "description": describe(series),
                "column": COLUMNS[name],
                "links": territory_links(series),
            }
        )
    return items


@require_safe
def statistics_page(request):
    stats = statistics()
    total = next(iter(stats.values())).total if stats else 0
    return render(
        request,
        "catalogue/statistics_page.html",
        {"stats_items": chart_items(stats), "total": total},
    )
