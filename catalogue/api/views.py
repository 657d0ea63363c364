"""The open-data API: `/api/projects` (JSON, GeoJSON, CSV), `/api/openapi.json`, `/api/`.

Every endpoint builds one `SearchQuery` from the URL, as the results page does, and reads the
search index (live, public projects only); records are serialised by `serializers`, so the API,
the exports and the dumps share field names. Rate limited per IP; CORS is open for GET
(django-cors-headers, ``CORS_URLS_REGEX``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from .. import opendata
from ..search import DEFAULT_PER_PAGE, FACETS, MAX_PER_PAGE, SORTS, SearchQuery
from . import openapi
from .ratelimit import parse_rate, rate_limited
from .serializers import FIELD_DOCS, LICENCE, LICENCE_URL, UrlBuilder, serialise_batch

JSON_PARAMS = {"ensure_ascii": False}


def _page_size(params) -> int:
    try:
        size = int(params.get("page_size") or DEFAULT_PER_PAGE)
    except ValueError:
        size = DEFAULT_PER_PAGE
    return max(1, min(size, MAX_PER_PAGE))


def api_query(params) -> SearchQuery:
    return SearchQuery.from_params(params, per_page=_page_size(params))


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _page_url(request, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params=JSON_PARAMS)


@require_safe
@gzip_page
@rate_limited("api")
def projects(request):
    from ..search import execute

    query = api_query(request.GET)
    results = execute(query, suggest=False)
    # Not `results.paginator`: an empty page object is falsy.
    paginator = results.page_obj.paginator
    if results.count and query.page > paginator.num_pages:
        return _error("Page inexistante.", 404)
    ids = [page.pk for page in results.results]
    records = serialise_batch(ids, UrlBuilder(base_url=_base_url(request)))
    number = results.page_obj.number
    data = {
        "count": results.count,
        "next": _page_url(request, number + 1) if number < paginator.num_pages else None,
        "previous": _page_url(request, number - 1) if number > 1 else None,
        "facets": {
            facet: [
                {
                    "value": item["value"],
                    "label": str(item["label"]),
                    "count": item["count"],
                    "selected": item["selected"],
                }
                for item in items
            ]
            for facet, items in results.facets.items()
        },
        "results": records,
    }
    response = JsonResponse(data, json_dumps_params=JSON_PARAMS)
    response["Cache-Control"] = "public, max-age=60"
    return response


def export_ids(request, query: SearchQuery) -> list[int]:
    """All matching ids (no ``page``), or one page's (``page`` given), in the query's order."""
    from ..search import execute, matching_entries

    if "page" in request.GET:
        return [page.pk for page in execute(query, with_facets=False, suggest=False).results]
    entries = matching_entries(query)
    if query.effective_sort == "relevance":
        # Ranking the whole match set is costly and pointless for a file: stable id order.
        entries = entries.order_by("pk")
    else:
        entries = matching_entries(query, ordered=True)
    return list(entries.values_list("pk", flat=True))


def _stream(request, fmt: str, content_type: str, filename: str, **options):
    query = api_query(request.GET)
    ids = export_ids(request, query)
    urls = UrlBuilder(base_url=_base_url(request))
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in opendata.chunks(fmt, ids, urls, **options)),
        content_type=content_type,
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Total-Count"] = str(len(ids))
    return response


@require_safe
@gzip_page
@rate_limited("api")
def projects_geojson(request):
    return _stream(request, "geojson", "application/geo+json", "carrefour-projets.geojson")


@require_safe
@gzip_page
@rate_limited("api")
def projects_csv(request):
    bom = request.GET.get("bom", "") in ("1", "true", "oui")
    return _stream(request, "csv", "text/csv; charset=utf-8", "carrefour-projets.csv", bom=bom)


def not_found(request):
    """Every path under /api/ that names no endpoint: the API's own JSON 404."""
    return _error(gettext("Adresse inexistante dans l'API."), 404)


@require_safe
def openapi_json(request):
    return JsonResponse(openapi.build(_base_url(request)), json_dumps_params=JSON_PARAMS)


@require_safe
def documentation(request):
    """The human documentation of the API, in French."""
    values = openapi.facet_values()
    parameters = openapi.search_parameters(values)
    facet_rows = [
        {
            "name": facet,
            "label": str(FACETS[facet]),
            "doc": openapi.FACET_DOCS.get(facet, ""),
            "values": values.get(facet, []),
        }
        for facet in FACETS
    ]
    rate = parse_rate(getattr(settings, "API_RATE_LIMIT", None))
    return render(
        request,
        "catalogue/api_docs.html",
        {
            "parameters": parameters,
            "facet_rows": facet_rows,
            "sorts": [(key, str(label)) for key, label in SORTS.items()],
            "fields": list(FIELD_DOCS.items()),
            "dumps": opendata.dump_files(),
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "rate": rate,
            "max_page_size": MAX_PER_PAGE,
            "base_url": _base_url(request),
        },
    )
