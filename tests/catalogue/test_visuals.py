"""What a project looks like without an image, and the maps' base layer, rendered by Django.

Every project card (results, home, partner page, blocks) has a picture: the project's image or
the visual of its main domain; the project page does not repeat its summary and gives its place
as text and a small map; the statistics map draws the departments under its circles.
"""

import gzip
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.test import Client

from catalogue import presentation, services
from catalogue.geography import DEPARTMENTS, _table, department_code_for_insee
from catalogue.models import ProjectPage, StandardPage
from catalogue.records import ProjectRecord
from catalogue.stats import basemap, charts
from catalogue.stats.views import chart_items
from tests.catalogue.search_data import load_real_catalogue

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DOMAINS_DIR = ROOT / "static_src" / "img" / "domains"
TAXONOMY = ROOT / "catalogue" / "data" / "cis-taxonomy.json"
# The 101 departments (overseas collectivities such as 975 or 987 are not on the map).
DEPARTMENTS_IN_REGIONS = {code for code, d in DEPARTMENTS.items() if d.region_code}
CARD = re.compile(r'<article class="card project-card.*?</article>', re.S)
MEDIA = re.compile(r'<div class="card__media[^"]*">\s*<img [^>]*\bsrc="([^"]+)"[^>]*>', re.S)


def record(**overrides):
    values = dict(
        title="Maison partagée",
        source_id="visuals-1",
        summary="Un habitat partagé pour des personnes âgées.",
        postal_code="28700",
        city="Auneau-Bleury-Saint-Symphorien",
        insee_code="28015",
        latitude=48.4158,
        longitude=1.7683,
    )
    values.update(overrides)
    return ProjectRecord(**values)


def test_every_domain_has_its_own_visual():
    """One shipped SVG per "Domaines" group of the nomenclature, all different, plus a fallback."""
    entries = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    domains = {g["id"] for e in entries for g in e.get("groups", []) if g["family"] == "Domaines"}
    assert domains == set(presentation.DOMAIN_VISUALS)
    files = set(presentation.DOMAIN_VISUALS.values()) | {presentation.FALLBACK_VISUAL}
    assert len(files) == len(domains) + 1
    colours = set()
    for name in files:
        svg = ET.parse(DOMAINS_DIR / f"{name}.svg").getroot()
        assert svg.get("viewBox") == "0 0 480 270"
        ns = {"s": "http://www.w3.org/2000/svg"}
        assert svg.find("s:title", ns).text.strip()
        colours.add(svg.find("s:rect", ns).get("fill"))
    assert len(colours) == len(files), "each domain has its own colour"


def test_main_domain_is_the_one_most_codes_belong_to(site_tree):
    # HAB: Habitat, Inclusion, Cadre de vie; AME: Habitat, Cadre de vie; ENE: Habitat, Durable.
    page = services.upsert_project(record(codes=["HAB", "AME", "ENE"]), source_key="t").page
    visual = presentation.project_visual(page)
    assert (visual.key, visual.name, visual.is_fallback) == ("habitat", "Habitat", False)
    assert visual.src == "/static/img/domains/habitat.svg"
    # A code's vote is shared among its domains: JEU and SEN (Santé et sport only) outweigh EMP
    # and INS, each filed under Inclusion, Travail and Développement économique.
    mixed = services.upsert_project(
        record(source_id="visuals-4", title="Sport", codes=["EMP", "INS", "JEU", "SEN"]),
        source_key="t",
    ).page
    assert presentation.project_visual(mixed).name == "Santé et sport"
    bare = services.upsert_project(
        record(source_id="visuals-2", title="Sans thème", codes=[]), source_key="t"
    ).page
    assert presentation.project_visual(bare).key == "default"
    assert presentation.project_visual(bare).is_fallback


def cards(html):
    found = CARD.findall(html)
    assert found, "no project card on the page"
    for card in found:
        media = MEDIA.search(card)
        assert media, f"card without picture: {card[:300]}"
        src = media.group(1)
        assert src.startswith("/media/") or src.startswith("/static/img/domains/"), src
    return found


def test_every_card_has_an_image_or_a_domain_visual(site_tree):
    catalogue = load_real_catalogue(limit=12)
    live = ProjectPage.objects.live().public()
    favourite = live.first()
    favourite.coup_de_coeur = True
    favourite.save_revision().publish()
    picked = list(live.order_by("pk")[:3])
    page = StandardPage(
        title="Sélection",
        slug="selection",
        body=[
            ("project_cards", {"title": "Choix", "projects": picked}),
            ("project_list", {"title": "Récents", "filters": {}, "max_items": 4}),
            ("search", {"title": "Chercher", "filters": {}, "max_items": 4}),
        ],
    )
    site_tree.home.add_child(instance=page)
    page.save_revision().publish()
    client = Client()
    results = cards(client.get("/projets/").content.decode())
    assert len(results) == min(20, live.count())
    cards(client.get("/").content.decode())
    cards(client.get(catalogue.ffe.url).content.decode())
    assert len(cards(client.get(page.url).content.decode())) >= 3 + 4
    # The real records carry nomenclature codes: their cards name a domain, in text.
    html = client.get("/projets/").content.decode()
    named = re.findall(r'<p class="card__domain">.*?<span lang="fr">([^<]+)</span>', html, re.S)
    assert named and set(named) <= {
        n
        for n in (
            "Habitat",
            "Santé et sport",
            "Développement durable",
            "Inclusion",
            "Développement économique",
            "Travail",
            "Cadre de vie",
            "Lien social",
        )
    }


def test_card_queries_do_not_grow_with_the_results(site_tree, django_assert_max_num_queries):
    load_real_catalogue(limit=12)
    client = Client()
    client.get("/projets/")  # warm caches (facets, counts)
    with django_assert_max_num_queries(40):
        client.get("/projets/")


@pytest.mark.parametrize(
    "summary,description,lead,text",
    [
        # The source repeats the summary as the first paragraph: dropped from the description.
        (
            "Un jardin partagé.",
            "<p>Un jardin  partagé.</p><p>Ouvert à tous.</p>",
            "Un jardin partagé.",
            "<p>Ouvert à tous.</p>",
        ),
        ("L'Atelier", "<p>L&#x27;Atelier</p>", "L'Atelier", ""),
        # The summary is the description's opening cut short: the description says it all.
        (
            "Des formations gratuites en cuis…",
            "<p>Des formations gratuites en cuisine.</p>",
            "",
            "<p>Des formations gratuites en cuisine.</p>",
        ),
        (
            "Deux activités : - La collecte",
            "<p>Deux activités :<br/>- La collecte</p>",
            "Deux activités : - La collecte",
            "",
        ),
        (
            "Le concept : des formations",
            "<p>Le concept : des formations gratuites.</p>",
            "",
            "<p>Le concept : des formations gratuites.</p>",
        ),
        # Different texts: both shown.
        (
            "Un café associatif.",
            "<p>Ouvert en 2015.</p>",
            "Un café associatif.",
            "<p>Ouvert en 2015.</p>",
        ),
        ("", "<p>Seul texte.</p>", "", "<p>Seul texte.</p>"),
    ],
)
def test_project_text_never_repeats_the_summary(summary, description, lead, text):
    assert presentation.project_text(summary, description) == {"lead": lead, "description": text}


def test_project_page_place_is_text_and_a_small_map(site_tree):
    page = services.upsert_project(
        record(description="Un habitat partagé pour des personnes âgées.\n\nSuite."),
        source_key="t",
    ).page
    html = Client().get(page.url).content.decode()
    # lead + meta description + the JSON-LD's description
    assert html.count("Un habitat partagé pour des personnes âgées.") == 1 + 1 + 1
    prose = re.search(r'<div class="prose" lang="fr">(.*?)</div>', html, re.S).group(1)
    assert re.fullmatch(r"<p[^>]*>Suite\.</p>", prose.strip()), prose
    # No raw coordinates: the commune in words, the position for the map as JSON data.
    assert not re.search(r"\d+,\d{4}, \d+,\d{4}", html)
    assert (
        '<p class="project__place" lang="fr">Auneau-Bleury-Saint-Symphorien, Eure-et-Loir</p>'
        in html
    )
    place = json.loads(
        re.search(r'<script id="project-place" type="application/json">(.*?)</script>', html).group(
            1
        )
    )
    assert (place["lat"], place["lng"]) == (round(page.latitude, 5), round(page.longitude, 5))
    assert 'data-carrefour-place-map data-place="project-place"' in html
    assert 'data-basemap="/static/vendor/basemap/france-departements.geojson"' in html
    # The map adds no inline script: data as application/json, code from static files.
    aside = html[html.index('class="project__aside"') : html.index("</aside>")]
    for tag in re.findall(r"<script\b[^>]*>", aside):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    # Facts come before the community in the page's order (phones read it that way).
    assert html.index('class="project__aside"') < html.index('class="project__community"')
    # No image: the domain visual, decorative (the themes are listed beside it).
    assert re.search(r'<img src="/static/img/domains/[a-z-]+\.svg" alt=""', html)


def test_project_without_position_has_no_map(site_tree):
    page = services.upsert_project(
        record(
            source_id="visuals-3",
            postal_code="",
            city="",
            insee_code="",
            latitude=None,
            longitude=None,
        ),
        source_key="t",
    ).page
    html = Client().get(page.url).content.decode()
    assert "data-carrefour-place-map" not in html and "project-place" not in html


# --- the base layer ------------------------------------------------------------------------
def _inside(x, y, polygons):
    for polygon in polygons:
        inside = False
        for ring in polygon:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                    inside = not inside
        if inside:
            return True
    return False


def test_base_layer_is_small_and_puts_communes_in_their_department():
    path = basemap.basemap_path()
    assert path, "static_src/vendor/basemap/ not built: run bin/assets.sh"
    raw = Path(path).read_bytes()
    assert len(gzip.compress(raw)) < 100_000
    shapes = basemap.load_departments()
    assert set(shapes) == DEPARTMENTS_IN_REGIONS  # mainland, Corsica and the five overseas
    table = _table()
    hits, totals = {}, {}
    for insee, rows in table.by_insee.items():
        i = rows[0]
        code = department_code_for_insee(insee)
        if math.isnan(table.lat[i]) or code not in shapes:
            continue
        totals[code] = totals.get(code, 0) + 1
        hits[code] = hits.get(code, 0) + _inside(table.lon[i], table.lat[i], shapes[code])
    assert sum(hits.values()) / sum(totals.values()) > 0.97
    # Overseas departments are where they are (the source had moved them near the mainland).
    for code in ("971", "972", "973", "974", "976"):
        assert hits[code] / totals[code] > 0.75, code
    assert all(hits[c] / totals[c] > 0.8 for c in totals), "every department roughly right"


def test_statistics_map_draws_departments_under_the_circles(site_tree):
    load_real_catalogue(limit=12)
    html = Client().get("/statistiques/").content.decode()
    svg = re.search(r'<svg class="chart chart--map".*?</svg>', html, re.S).group(0)
    drawn = re.findall(r'<path class="chart__department" data-department="(\w+)" d="M[^"]+"', svg)
    assert sorted(drawn) == sorted(DEPARTMENTS_IN_REGIONS)
    assert svg.index("chart__department") < svg.index("chart__dept")  # outlines beneath
    # Each circle (at its chef-lieu) falls inside its department's drawn outline.
    from catalogue.stats import statistics

    chart = charts.department_map(statistics()["departement"])
    outlines = {o["code"]: o["d"] for o in chart["outlines"]}
    for circle in chart["circles"]:
        rings = [
            [tuple(map(float, p.split())) for p in ring.split("L")]
            for ring in re.findall(r"M([^MZ]+)Z", outlines[circle["code"]])
        ]
        assert _inside(circle["x"], circle["y"], [[r] for r in rings]), circle["code"]
    assert chart_items(statistics(), names=("carte",))[0]["chart"]["outlines"]
