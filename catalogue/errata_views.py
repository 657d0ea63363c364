"""The public errata of a partner: `/partenaires/<slug>/corrections/` and its CSV and JSON feeds.

One query (`catalogue.errata.partner_corrections`), paginated; values are the partner's and
people's text, escaped by the templates, neutralised for spreadsheets in the CSV
(`catalogue.api.csvexport`), plain strings in the JSON.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import errata
from .api.csvexport import csv_lines
from .api.ratelimit import rate_limited
from .site_url import absolute

PER_PAGE = 50
JSON_PER_PAGE = 100


def partner_or_404(slug: str):
    from .models import PartnerPage

    partner = PartnerPage.objects.live().public().filter(slug=slug).first()
    if partner is None:
        raise Http404
    return partner


def _page(request, queryset, size):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


@require_safe
def partner_errata(request, slug: str):
    partner = partner_or_404(slug)
    page_obj = _page(request, errata.partner_corrections(partner), PER_PAGE)
    context = {
        "partner": partner,
        "page_obj": page_obj,
        "items": errata.as_items(page_obj),
        "page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
        "csv_url": reverse("partner-errata-csv", args=[slug]),
        "json_url": reverse("partner-errata-json", args=[slug]),
    }
    return render(request, "catalogue/partner_errata.html", context)


@require_safe
@rate_limited("api")
def partner_errata_csv(request, slug: str):
    partner = partner_or_404(slug)
    rows = errata.partner_corrections(partner).iterator(chunk_size=500)

    def lines():
        for correction in rows:
            item = errata.as_item(correction, absolute)
            yield [item[key] for key in errata.CSV_KEYS]

    response = StreamingHttpResponse(
        csv_lines(errata.CSV_HEADER, lines(), bom=True), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="corrections-{partner.slug}.csv"'
    return response


@require_safe
@rate_limited("api")
def partner_errata_json(request, slug: str):
    partner = partner_or_404(slug)
    page_obj = _page(request, errata.partner_corrections(partner), JSON_PER_PAGE)
    here = absolute(request.path, request)

    def link(number):
        return f"{here}?page={number}"

    data = {
        "partner": {"title": partner.title, "url": absolute(partner.url or "", request)},
        "count": page_obj.paginator.count,
        "next": link(page_obj.next_page_number()) if page_obj.has_next() else None,
        "previous": link(page_obj.previous_page_number()) if page_obj.has_previous() else None,
        "results": errata.as_items(page_obj, lambda url: absolute(url, request)),
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
