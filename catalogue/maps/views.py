"""The map endpoint (`/api/map`), popup details and the standalone map page (`/carte/`).

`/api/map?<search filters>&bbox=w,s,e,n&zoom=z` answers compact JSON:

- ``{"mode": "clusters", "zoom": z, "total": n, "clusters": [[lat, lng, count, id], …]}``
  below zoom `grid.POINTS_ZOOM` (``id`` is the project when ``count`` is 1, else 0);
- ``{"mode": "points", "total": n, "points": [[id, lat, lng], …]}`` from that zoom on, or when
  the view holds at most `grid.SMALL_VIEW` projects;
- ``{"bounds": [w, s, e, n] | null, "total": n}`` with ``fit=1`` (where a filtered map should
  look first).

``bbox`` is the map view (the page's own "in this map view" filter, if any, is intersected with
it by the client). With no filter, clusters come from the precomputed `MapCell` table;
with filters, from a grid GROUP BY over the search index rows the query matches.
"""

from __future__ import annotations

import hashlib
import json

from django.db.models import Count, Max, Min
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.http import parse_etags
from django.utils.translation import gettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from ..api.ratelimit import rate_limited
from ..search import SearchQuery
from . import grid

MAX_POINTS = 20_000
CACHE_CONTROL = "public, max-age=60"


def _round(value: float) -> float:
    return round(value, 5)


def compact_json(request, data, *, status=200) -> HttpResponse:
    """Compact JSON with a strong ETag (weakened by gzip) and a short public cache lifetime."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'
    wanted = request.META.get("HTTP_IF_NONE_MATCH")
    if wanted and status == 200:
        tags = {tag.removeprefix("W/") for tag in parse_etags(wanted)}
        if etag in tags or "*" in tags:
            response = HttpResponseNotModified()
            response["ETag"] = etag
            response["Cache-Control"] = CACHE_CONTROL
            return response
    response = HttpResponse(body, status=status, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


def map_query(params) -> tuple[SearchQuery, grid.BBox, int]:
    """The search filters, the view box and the zoom of a map request."""
    params = params.copy()
    view = grid.BBox.parse(params.get("bbox")) or grid.BBox.WORLD
    zoom = grid.clamp_zoom(params.get("zoom"))
    for key in ("bbox", "zoom", "fit", "page", "tri"):
        params.pop(key, None)
    return SearchQuery.from_params(params), view, zoom


def is_unfiltered(query: SearchQuery) -> bool:
    return not query.has_filters and not query.presets


def filtered_entries(query: SearchQuery):
    from ..search import matching_entries

    return matching_entries(query).filter(latitude__isnull=False, longitude__isnull=False)


def map_payload(query: SearchQuery, view: grid.BBox, zoom: int) -> dict:
    """The clusters or points of a view (see module doc); shared by the view and the bench."""
    if query.text:
        from ..search import through_indexes

        with through_indexes():  # the text through the GIN index (see there)
            return _map_payload(query, view, zoom)
    return _map_payload(query, view, zoom)


def _map_payload(query: SearchQuery, view: grid.BBox, zoom: int) -> dict:
    unfiltered = is_unfiltered(query)
    entries = None if unfiltered else filtered_entries(query)
    points = None
    if zoom >= grid.POINTS_ZOOM:
        if unfiltered:
            points = grid.precomputed_points(view, limit=MAX_POINTS + 1)
        else:
            points = grid.grid_points(
                entries, view, lat="latitude", lng="longitude", limit=MAX_POINTS + 1
            )
        if len(points) > MAX_POINTS:  # a huge screen at a high zoom: cluster anyway
            points = None
            zoom = grid.CLUSTER_MAX_ZOOM
    if points is None:
        if unfiltered:
            cells = grid.precomputed_cells(view, zoom)
        else:
            cells = grid.grid_clusters(entries, view, zoom, lat="latitude", lng="longitude")
        total = sum(cell[2] for cell in cells)
        if total > grid.SMALL_VIEW:
            return {
                "mode": "clusters",
                "zoom": zoom,
                "total": total,
                "clusters": [
                    [_round(lat), _round(lng), n, sample if n == 1 else 0]
                    for lat, lng, n, sample in cells
                ],
            }
        if unfiltered:
            points = grid.precomputed_points(view)
        else:
            points = grid.grid_points(entries, view, lat="latitude", lng="longitude")
    return {
        "mode": "points",
        "total": len(points),
        "points": [[pk, _round(lat), _round(lng)] for pk, lat, lng in points],
    }


def fit_payload(query: SearchQuery) -> dict:
    from ..models import MapPoint

    if is_unfiltered(query):
        source, lat, lng = MapPoint.objects.all(), "lat", "lng"
    else:
        source, lat, lng = filtered_entries(query), "latitude", "longitude"
    if query.text:
        from ..search import through_indexes

        with through_indexes():
            box = source.aggregate(
                s=Min(lat), n=Max(lat), w=Min(lng), e=Max(lng), total=Count("pk")
            )
    else:
        box = source.aggregate(s=Min(lat), n=Max(lat), w=Min(lng), e=Max(lng), total=Count("pk"))
    if box["s"] is None:
        return {"bounds": None, "total": 0}
    return {
        "bounds": [_round(box["w"]), _round(box["s"]), _round(box["e"]), _round(box["n"])],
        "total": box["total"],
    }


@require_safe
@gzip_page
@rate_limited("map", "API_MAP_RATE_LIMIT")
def map_data(request):
    query, view, zoom = map_query(request.GET)
    if request.GET.get("fit") == "1":
        return compact_json(request, fit_payload(query))
    return compact_json(request, map_payload(query, view, zoom))


@require_safe
@rate_limited("map", "API_MAP_RATE_LIMIT")
def point_detail(request, pk: int):
    """What a popup shows; only for published, public projects."""
    from ..api.serializers import UrlBuilder, public_projects

    row = (
        public_projects()
        .filter(pk=pk)
        .values("pk", "title", "structure_name", "city", "url_path")
        .first()
    )
    if row is None:
        return compact_json(request, {"detail": gettext("Projet introuvable.")}, status=404)
    url = UrlBuilder().relative(row["url_path"])
    return compact_json(
        request,
        {
            "id": row["pk"],
            "title": row["title"],
            "structure": row["structure_name"],
            "city": row["city"],
            "url": url,
        },
    )


def list_url() -> str:
    """The results page (`/projets/`), wherever the catalogue lives."""
    from ..models import ProjectIndexPage

    index = ProjectIndexPage.objects.live().first()
    return (index.url if index else None) or "/projets/"


@require_safe
def map_page(request):
    return render(
        request,
        "catalogue/map_page.html",
        {"list_url": list_url(), "map_params": ""},
    )
