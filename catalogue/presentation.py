"""How a project looks where it is shown: its visual, its text without repeats, its place.

Cards and project pages share these so a project without an image never shows an empty box
(it gets the visual of its main domain) and the page never says its summary twice.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from fractions import Fraction

from django.templatetags.static import static
from django.utils.translation import gettext as _

from .models.choices import TaxonomyFamily

# One visual per nomenclature domain (the "Domaines" groups of cis-taxonomy.json), shipped in
# static_src/img/domains/; any other domain, or none, gets the generic one.
DOMAIN_VISUALS = {
    "domains_eco_dev": "economy",
    "domains_employment": "work",
    "domains_habitat": "habitat",
    "domains_health_sport": "health-sport",
    "domains_inclusion": "inclusion",
    "domains_life_env": "living",
    "domains_social_net": "social",
    "domains_sust_env": "sustainable",
}
FALLBACK_VISUAL = "default"


@dataclass(frozen=True)
class Visual:
    """What stands in for a missing image: a domain's picture, its name and CSS modifier."""

    src: str
    name: str
    key: str
    is_fallback: bool


def domain_index(request=None) -> dict[int, list[tuple[int, str, str]]]:
    """Nomenclature code id -> its domains as (rank, slug, name); built once per request."""
    cached = getattr(request, "_carrefour_domains", None) if request is not None else None
    if cached is not None:
        return cached
    from .models import TaxonomyGroup

    groups = TaxonomyGroup.objects.filter(family=TaxonomyFamily.DOMAINES).order_by(
        "sort_order", "name"
    )
    index: dict[int, list[tuple[int, str, str]]] = {}
    for rank, group in enumerate(groups.prefetch_related("codes")):
        for code in group.codes.all():
            index.setdefault(code.pk, []).append((rank, group.slug, group.name))
    if request is not None:
        request._carrefour_domains = index
    return index


def main_domain(project, index) -> tuple[str, str] | None:
    """(slug, name) of the domain the project's codes point to most; ties: domain order.

    Each code gives one vote, shared among its domains: a code of one domain only (SPO: Santé
    et sport) says more about a project than one filed under four (EMP), so broad domains such
    as Inclusion do not win every card.
    """
    votes: dict[tuple[int, str, str], Fraction] = {}
    for code in project.codes.all():
        domains = index.get(code.pk, ())
        for domain in domains:
            votes[domain] = votes.get(domain, Fraction(0)) + Fraction(1, len(domains))
    if not votes:
        return None
    rank, slug, name = min(votes, key=lambda d: (-votes[d], d[0]))
    return slug, name


def project_visual(project, request=None) -> Visual:
    """The picture shown for a project without an image."""
    domain = main_domain(project, domain_index(request)) if project.pk else None
    if domain is None:
        key, name = FALLBACK_VISUAL, _("Innovation sociale")
    else:
        key, name = DOMAIN_VISUALS.get(domain[0], FALLBACK_VISUAL), domain[1]
    return Visual(
        src=static(f"img/domains/{key}.svg"),
        name=name,
        key=key,
        is_fallback=domain is None,
    )


# --- text ------------------------------------------------------------------------------------
_FIRST_BLOCK = re.compile(r"^\s*<(p|h[2-6]|blockquote)\b[^>]*>(.*?)</\1>\s*", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _plain(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed (tags count as spaces)."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def _stem(text: str) -> str:
    """A summary cut by its source ends with an ellipsis: compare what precedes it."""
    return text.rstrip(" .…").rstrip()


def project_text(summary: str, description: str) -> dict:
    """The lead and the description to show, so the summary is not said twice.

    Sources often repeat the summary as the description's first paragraph (then that paragraph
    is dropped), or make the summary the description's opening cut short (then the description
    says it all and the lead is left out).
    """
    summary = (summary or "").strip()
    description = description or ""
    lead = _plain(summary)
    if not lead or not description.strip():
        return {"lead": summary, "description": description}
    first = _FIRST_BLOCK.match(description)
    if first and _plain(first.group(2)) == lead:
        rest = description[first.end() :]
        return {"lead": summary, "description": rest if _plain(rest) else ""}
    stem = _stem(lead)
    if stem and _plain(description).startswith(stem):
        return {"lead": "", "description": description}
    return {"lead": summary, "description": description}


# --- place -----------------------------------------------------------------------------------
def project_place(page) -> dict | None:
    """The project's position for its small map (json_script), or None when it has none."""
    if page.latitude is None or page.longitude is None:
        return None
    lat, lng = page.latitude, page.longitude
    label = ", ".join(part for part in (page.city, page.department_name) if part)
    # The area around, for a link to the projects' map (about 25 km either way).
    around = (lng - 0.35, lat - 0.25, lng + 0.35, lat + 0.25)
    return {
        "lat": round(lat, 5),
        "lng": round(lng, 5),
        "zoom": 8 if page.city else 7,
        "label": label or page.title,
        "around": ",".join(f"{v:.4f}" for v in around),
    }
