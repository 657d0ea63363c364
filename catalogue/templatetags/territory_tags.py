"""Template tags linking projects to their territories and to similar projects."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

KINDS = (
    ("commune", _("Commune")),
    ("epci", _("Intercommunalité")),
    ("departement", _("Département")),
    ("region", _("Région")),
)


@register.simple_tag
def project_territories(page):
    """`{% project_territories page as territories %}`: [{kind, label, name, url}] of the
    project's commune, EPCI, department and region (those the official geography knows)."""
    from ..territories import geo
    from ..territories.figures import url_of

    commune = geo.current_commune(page.insee_code) if page.insee_code else None
    found = {}
    if commune is not None:
        found["commune"] = commune
        for parent in geo.parents(commune):
            found.setdefault(parent.kind, parent)
    else:
        if page.department_code:
            found["departement"] = geo.get("departement", page.department_code)
        if page.region_code:
            found["region"] = geo.get("region", page.region_code)
    return [
        {"kind": kind, "label": label, "name": found[kind].name, "url": url_of(found[kind])}
        for kind, label in KINDS
        if found.get(kind) is not None
    ]


@register.simple_tag
def similar_projects(page):
    """`{% similar_projects page as similar %}`: {"near": [...], "elsewhere": [...]}, each a
    list of {"page", "distance"} (see catalogue.search.similar)."""
    from ..search.engine import fetch_pages
    from ..search.similar import similar_projects as compute

    found = compute(page.pk, page=page)
    pages = {p.pk: p for p in fetch_pages(found.ids)}
    return {
        name: [{"page": pages[pk], "distance": km} for pk, km in pairs if pk in pages]
        for name, pairs in (("near", found.near), ("elsewhere", found.elsewhere))
    }


@register.filter
def link_for(links, value):
    """`{{ item.links|link_for:value }}`: the URL of `value` in a {value: url} dict, or ""."""
    return links.get(value, "") if isinstance(links, dict) else ""
