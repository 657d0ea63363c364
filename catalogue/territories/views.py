"""Territory pages (`/territoires/<kind>/<code>/`), their CSV and JSON, and the index.

The page's project list, facets and map are the results page's (`search.views.presentation`,
`/api/map` with ``territoire=``), restricted to the territory; the figures come from
`figures.figures`, cached per data version. ``?comparer=<kind>/<code>`` adds a second
territory's figures side by side. Unknown kinds or codes answer 404, a malformed or unknown
``comparer`` 400.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from .. import freshness
from ..api.csvexport import csv_lines
from ..api.ratelimit import rate_limited
from ..search import engine
from ..search.query import SearchQuery
from ..search.views import presentation
from . import geo, panels
from .figures import _projects_url, figures, query_of, url_of

CACHE_SECONDS = 600
PER_PAGE = 12
KIND_LABELS = {
    "region": gettext_lazy("Région"),
    "departement": gettext_lazy("Département"),
    "epci": gettext_lazy("Intercommunalité"),
    "commune": gettext_lazy("Commune"),
}


def territory_or_404(kind: str, code: str) -> geo.Territory:
    territory = geo.get(kind, code.upper() if kind in ("commune", "departement") else code)
    if territory is None:
        raise Http404(_("Territoire inconnu."))
    return territory


def cached_figures(territory: geo.Territory) -> dict:
    """`figures()`, cached per data version (any project change gives new figures)."""
    key = f"territories:{freshness.current()}:{territory.key}"
    found = cache.get(key)
    if found is None:
        found = figures(territory)
        cache.set(key, found, CACHE_SECONDS)
    return found


def _comparison(request):
    """The territory named by ``comparer``: (territory, error response)."""
    raw = request.GET.get("comparer", "")
    if not raw:
        return None, None
    other = geo.parse_key(raw[:40])
    if other is None:
        return None, HttpResponseBadRequest(_("Territoire à comparer inconnu."))
    return other, None


def _compare_rows(mine: dict, theirs: dict) -> list[dict]:
    by_slug = {row["slug"]: row for row in theirs["domains"]}
    return [
        {
            "name": row["name"],
            "count": row["count"],
            "share": row["share"],
            "other_count": by_slug.get(row["slug"], {}).get("count", 0),
            "other_share": by_slug.get(row["slug"], {}).get("share", 0.0),
        }
        for row in mine["domains"]
    ]


@require_safe
def territory_page(request, kind: str, code: str):
    territory = territory_or_404(kind, code)
    other, error = _comparison(request)
    if error is not None:
        return error
    params = request.GET.copy()
    for key in ("territoire", "comparer"):
        params.pop(key, None)
    query = query_of(territory, SearchQuery.from_params(params, per_page=PER_PAGE))
    results = engine.execute(query)
    base_url = url_of(territory)
    data = cached_figures(territory)
    context = {
        "territory": territory,
        "kind_label": KIND_LABELS[territory.kind],
        "figures": data,
        "search": results,
        "query": query,
        "map_params": f"territoire={territory.key}",
        "projects_url": _projects_url(),
        "panels": panels.render(request, territory),
        "members": geo.members(territory)[:30] if territory.kind == "epci" else [],
        "comparable": [
            {"name": t.name, "url": url_of(t), "key": t.key} for t in geo.comparable(territory)[:5]
        ],
    }
    # Links of the page's search carry no ``territoire`` (the path says it).
    results.query = query.replace(territory="")
    context.update(presentation(results, base_url))
    if other is not None:
        other_data = cached_figures(other)
        context["other"] = other_data
        context["compare_rows"] = _compare_rows(data, other_data)
    return render(request, "catalogue/territories/territory_page.html", context)


def _csv_rows(data: dict):
    t = data["territory"]
    yield ["territoire", "population", "", t["population"], "", "", ""]
    yield ["territoire", "projets", "", data["projects"], "", "", ""]
    yield ["territoire", "projets_pour_10000_habitants", "", data["per_10000"], "", "", ""]
    for section, rows in (("domaine", data["domains"]), ("public", data["publics"])):
        for row in rows:
            yield [
                section,
                row["slug"],
                row["name"],
                row["count"],
                row["share"],
                row.get("regional_share", ""),
                row["national_share"],
            ]
    for row in data["partners"]:
        yield ["partenaire", row["slug"], row["name"], row["count"], "", "", ""]
    for row in data["missing"]:
        yield ["manquant", row["slug"], row["name"], 0, "", "", ""]


@require_safe
def territory_csv(request, kind: str, code: str):
    territory = territory_or_404(kind, code)
    data = cached_figures(territory)
    header = ["section", "identifiant", "libelle", "projets", "part_pct", "part_region_pct",
              "part_nationale_pct"]  # fmt: skip
    response = StreamingHttpResponse(
        csv_lines(header, _csv_rows(data), bom=True), content_type="text/csv; charset=utf-8"
    )
    filename = f"territoire-{territory.kind}-{territory.code}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@rate_limited("api")
def territory_json(request, kind: str, code: str):
    try:
        territory = territory_or_404(kind, code)
    except Http404:
        return JsonResponse({"detail": _("Territoire inconnu.")}, status=404)
    response = JsonResponse(cached_figures(territory), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def territory_index(request):
    regions = sorted(geo.all_of("region"), key=lambda t: t.name)
    departments = sorted(geo.all_of("departement"), key=lambda t: t.code)
    return render(
        request,
        "catalogue/territories/territory_index.html",
        {
            "regions": [{"name": t.name, "url": url_of(t), "code": t.code} for t in regions],
            "departments": [
                {"name": t.name, "url": url_of(t), "code": t.code} for t in departments
            ],
        },
    )
