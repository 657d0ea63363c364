"""The results page (`/projets/`), the guided search (`/projets/guide/`) and the commune
autocomplete endpoint (`/api/communes`).

The page works as a plain GET form; `search.js` adds live updates by fetching the same URL
with ``X-Requested-With: fetch`` and swapping in the results partial.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from .. import geography
from ..collation import Collated, sorted_french
from .query import FACETS, RADII_KM, SORTS, TAXONOMY_FACETS, SearchQuery

PARTIAL_HEADER = "fetch"
# Facet values shown before "more" (a <details> element, no JS needed).
VISIBLE_VALUES = 8
# Facets offered on the results page, in this order (nomenclature codes are offered too).
PAGE_FACETS = list(FACETS)


def is_partial(request) -> bool:
    return request.headers.get("X-Requested-With") == PARTIAL_HEADER


def commune_label(commune) -> str:
    if commune is None:
        return ""
    name = geography.display_name(commune.name)
    return f"{name} ({commune.department_code})" if commune.department_code else name


def territory_label(key: str) -> str:
    from ..territories import geo

    territory = geo.parse_key(key)
    return territory.name if territory else key


def resolve_place(request) -> HttpResponseRedirect | None:
    """Without JavaScript the visitor types a commune name (``ou``): find it, then redirect
    to the canonical URL (``commune=<INSEE>``); with JavaScript the combobox fills it."""
    if "ou" not in request.GET:
        return None
    params = request.GET.copy()
    typed = params.pop("ou", [""])[-1].strip()
    current = geography.commune_by_insee(params.get("commune", ""))
    if not typed:
        params.pop("commune", None)
        params.pop("rayon", None)
    elif current is None or geography.normalise_name(typed.split("(")[0]) != (
        geography.normalise_name(current.name)
    ):
        found = geography.autocomplete(typed.split("(")[0], limit=1)
        if found:
            params["commune"] = found[0].insee_code
        else:
            params.pop("commune", None)
            params["commune_inconnue"] = typed[:80]
    params.pop("page", None)
    encoded = params.urlencode()
    return HttpResponseRedirect(request.path + ("?" + encoded if encoded else ""))


def _url(base: str, query: SearchQuery, prefix: str = "", anchor: str = "") -> str:
    return base + query.querystring(prefix=prefix) + anchor


def presentation(results, base_url: str, *, prefix: str = "", anchor: str = "") -> dict:
    """Template-ready pieces: facet groups, chips, sort options, pages, suggestions."""
    query = results.query
    groups = []
    for facet in PAGE_FACETS:
        items = results.facets.get(facet)
        if not items:
            continue
        groups.append(
            {
                "name": facet,
                "param": prefix + facet,
                "label": FACETS[facet],
                "visible": items[:VISIBLE_VALUES],
                "more": items[VISIBLE_VALUES:],
                "more_selected": any(i["selected"] for i in items[VISIBLE_VALUES:]),
            }
        )
    chips = []
    if query.text:
        chips.append(
            {
                "label": _("« %(text)s »") % {"text": query.text},
                "url": _url(base_url, query.without("q"), prefix, anchor),
            }
        )
    labels = {(f, i["value"]): i["label"] for f, items in results.facets.items() for i in items}
    for facet, values in query.filters.items():
        for value in values:
            label = labels.get((facet, value), value)
            chips.append(
                {
                    "label": _("%(facet)s : %(value)s") % {"facet": FACETS[facet], "value": label},
                    "url": _url(base_url, query.without(facet, value), prefix, anchor),
                }
            )
    if results.commune is not None:
        chips.append(
            {
                "label": _("À %(radius)s km de %(commune)s")
                % {"radius": query.effective_radius_km, "commune": commune_label(results.commune)},
                "url": _url(base_url, query.without("commune"), prefix, anchor),
            }
        )
    if query.bbox:
        chips.append(
            {
                "label": _("Dans la zone de la carte"),
                "url": _url(base_url, query.without("bbox"), prefix, anchor),
            }
        )
    if query.territory:
        chips.append(
            {
                "label": _("Territoire : %(name)s") % {"name": territory_label(query.territory)},
                "url": _url(base_url, query.without("territoire"), prefix, anchor),
            }
        )
    sorts = [
        {"value": key, "label": label, "selected": key == results.sort}
        for key, label in SORTS.items()
        if (key != "relevance" or query.text)
        and (key != "nearest" or results.commune is not None or query.bbox)
    ]
    page_obj = results.page_obj
    pages = []
    if page_obj and page_obj.paginator.num_pages > 1:
        for number in page_obj.paginator.get_elided_page_range(page_obj.number):
            if number == page_obj.paginator.ELLIPSIS:
                pages.append({"ellipsis": True})
            else:
                pages.append(
                    {
                        "number": number,
                        "current": number == page_obj.number,
                        "url": _url(base_url, query.with_page(number), prefix, anchor),
                    }
                )
    previous_url = next_url = ""
    if page_obj and page_obj.has_previous():
        previous_url = _url(
            base_url, query.with_page(page_obj.previous_page_number()), prefix, anchor
        )
    if page_obj and page_obj.has_next():
        next_url = _url(base_url, query.with_page(page_obj.next_page_number()), prefix, anchor)
    suggestions = [
        {
            "label": s["label"],
            "count": s["count"],
            "url": _url(base_url, s["query"], prefix, anchor),
        }
        for s in results.suggestions
    ]
    cards = [{"page": page, "distance": results.distances.get(page.pk)} for page in results.results]
    return {
        "facet_groups": groups,
        "chips": chips,
        "clear_url": _url(base_url, SearchQuery(presets=query.presets), prefix, anchor),
        "sort_options": sorts,
        "radius_options": RADII_KM,
        "pages": pages,
        "previous_url": previous_url,
        "next_url": next_url,
        "suggestions": suggestions,
        "cards": cards,
        "commune_label": commune_label(results.commune),
        "prefix": prefix,
    }


def search_context(request, page) -> dict:
    """Context of the results page (`ProjectIndexPage.get_context`)."""
    from .engine import execute

    query = SearchQuery.from_params(request.GET)
    results = execute(query)
    context = {
        "search": results,
        "query": query,
        "projects": results.page_obj,
        "unknown_place": request.GET.get("commune_inconnue", "")[:80],
        "guide_url": page.url + "guide/",
    }
    context.update(presentation(results, page.url))
    return context


def search_page(page, request):
    redirect = resolve_place(request)
    if redirect is not None:
        return redirect
    context = page.get_context(request)
    context["partial"] = is_partial(request)
    template = (
        "catalogue/includes/search_results.html"
        if is_partial(request)
        else page.get_template(request)
    )
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["X-Requested-With"])
    return response


# ---------------------------------------------------------------------------------------------
# Guided search: Quoi ? Pour qui ? Où ? then the results page.
# ---------------------------------------------------------------------------------------------
GUIDE_STEPS = (
    ("quoi", gettext_lazy("Quoi ?")),
    ("pour-qui", gettext_lazy("Pour qui ?")),
    ("ou", gettext_lazy("Où ?")),
)


def _family_options(family: str, selected: list[str]) -> list[dict]:
    from ..models import TaxonomyGroup

    return [
        {"value": g.slug, "label": g.name, "selected": g.slug in selected}
        for g in TaxonomyGroup.objects.filter(family=family).order_by(
            "sort_order", Collated("name"), "name"
        )
    ]


def guide_page(page, request):
    from ..geography import REGIONS

    query = SearchQuery.from_params(request.GET)
    try:
        step = max(1, min(int(request.GET.get("etape", "1")), len(GUIDE_STEPS)))
    except ValueError:
        step = 1
    carried = {k: v for k, v in query.to_params(page=False).items()}
    codes = []
    if step == 1:
        from ..models import NomenclatureCode

        fields = {
            "domaine": _family_options(TAXONOMY_FACETS["domaine"], query.filters.get("domaine", []))
        }
        selected_codes = query.filters.get("code", [])
        codes = [
            {"value": c.code, "label": c.name, "selected": c.code in selected_codes}
            for c in NomenclatureCode.objects.order_by(Collated("name"), "name")
        ]
        carried.pop("domaine", None)
        carried.pop("code", None)
    elif step == 2:
        fields = {
            "public": _family_options(TAXONOMY_FACETS["public"], query.filters.get("public", []))
        }
        carried.pop("public", None)
    else:
        fields = {}
        carried.pop("region", None)
        carried.pop("commune", None)
        carried.pop("rayon", None)
    hidden = [(k, v) for k, values in carried.items() for v in _as_list(values)]
    context = page.get_context(request, skip_search=True)
    context.update(
        {
            "steps": [
                {"number": n, "label": label, "current": n == step, "done": n < step}
                for n, (_slug, label) in enumerate(GUIDE_STEPS, start=1)
            ],
            "step": step,
            "step_label": GUIDE_STEPS[step - 1][1],
            "last_step": step == len(GUIDE_STEPS),
            "fields": fields,
            "codes": codes,
            "hidden": hidden,
            "regions": sorted_french(REGIONS.items(), key=lambda item: item[1]),
            "selected_regions": query.filters.get("region", []),
            "query": query,
            "radius_options": RADII_KM,
            "form_action": page.url if step == len(GUIDE_STEPS) else page.url + "guide/",
            "previous_url": (
                page.url + "guide/?" + urlencode({**query.to_params(), "etape": step - 1}, True)
                if step > 1
                else ""
            ),
            "results_url": page.url + query.querystring(),
        }
    )
    return TemplateResponse(request, "catalogue/project_index_page_guide.html", context)


def _as_list(value):
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------------
# Commune autocomplete
# ---------------------------------------------------------------------------------------------
@require_GET
def communes(request):
    """``/api/communes?q=lyo`` → ``{"results": [{"insee", "name", "label", "postal_code"}]}``."""
    prefix = request.GET.get("q", "")[:60]
    try:
        limit = max(1, min(int(request.GET.get("limit", 10)), 20))
    except ValueError:
        limit = 10
    results = [
        {
            "insee": c.insee_code,
            "name": geography.display_name(c.name),
            "label": commune_label(c),
            "postal_code": c.postal_code,
            "department": c.department_code,
        }
        for c in geography.autocomplete(prefix, limit=limit)
        if c.has_centre
    ]
    response = JsonResponse({"results": results})
    response["Cache-Control"] = "public, max-age=86400"
    response["Access-Control-Allow-Origin"] = "*"
    return response
