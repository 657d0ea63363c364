"""Territory pages on real records (FFE + Apriles slice): the official geography, figures equal
to the search engine's counts and to the pages themselves, "what is missing here", comparison,
CSV and JSON, hostile input, nothing private counted."""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from catalogue.models import ProjectPage, TaxonomyGroup
from catalogue.search import engine
from catalogue.search.query import SearchQuery
from catalogue.territories import convert, geo
from catalogue.territories.figures import figures
from tests.catalogue.small_catalogue import catalogue_slice_fixture  # noqa: F401
from tests.hostile import PAYLOADS

HOSTILE_STRINGS = [*PAYLOADS[:4], "", "../../etc/passwd", "75056\x00", "é" * 300, "2A/../23",
                   "region/", "/", "epci/' OR 1=1 --"]  # fmt: skip

pytestmark = pytest.mark.django_db


# --- the official geography ------------------------------------------------------------------
def test_geography_from_the_official_source():
    paris = geo.get("commune", "75056")
    assert paris.name == "Paris" and paris.population > 2_000_000
    assert paris.epci_code == "200054781"  # Métropole du Grand Paris
    # An arrondissement counts in its commune, a delegated commune in its new commune.
    assert geo.current_commune("75112").code == "75056"
    assert "75112" in geo.commune_codes(paris)
    lyon = geo.get("epci", "200046977")
    assert lyon.name == "Métropole de Lyon"
    assert {"69123", "69381"} <= geo.commune_codes(lyon)
    assert sum(c.population for c in geo.members(lyon)) == lyon.population
    creuse = geo.get("departement", "23")
    assert creuse.name == "Creuse" and creuse.region_codes == ("75",)
    assert [t.kind for t in geo.parents(geo.get("commune", "23096"))] == [
        "epci",
        "departement",
        "region",
    ]
    assert geo.get("region", "75").population == sum(
        d.population for d in geo.all_of("departement") if d.region_codes == ("75",)
    )
    assert geo.source()["package"] == "@etalab/decoupage-administratif"
    assert geo.source()["version"]


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_hostile_codes_are_unknown(value):
    for kind in (*geo.KINDS, value):
        assert geo.get(kind, value) is None
    assert geo.parse_key(value) is None


def _package_source() -> Path | None:
    candidates = [os.environ.get("TERRITORIES_SOURCE", ""), str(convert.DEFAULT_SOURCE)]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data" / "communes.json").is_file():
            return Path(candidate)
    return None


def test_committed_data_is_the_conversion_of_the_pinned_package(tmp_path):
    source = _package_source()
    if source is None:
        pytest.skip(f"{convert.PACKAGE} not installed (npm ci; or set TERRITORIES_SOURCE)")
    lock = json.loads((Path(__file__).parents[2] / "package-lock.json").read_text())
    pinned = lock["packages"][f"node_modules/{convert.PACKAGE}"]["version"]
    data = convert.convert(source)
    assert data["source"]["version"] == pinned
    out = tmp_path / "t.json.gz"
    convert.write(data, out)
    assert out.read_bytes() == convert.DATA_FILE.read_bytes()


# --- figures against the search engine and the pages -----------------------------------------
def _public_pages():
    return ProjectPage.objects.live().public()


def _busiest(kind: str) -> geo.Territory:
    pages = _public_pages()
    if kind in ("region", "departement"):
        column = "region_code" if kind == "region" else "department_code"
        code = Counter(pages.exclude(**{column: ""}).values_list(column, flat=True))
        return geo.get(kind, code.most_common(1)[0][0])
    communes = Counter(
        geo.current_commune(c)
        for c in pages.exclude(insee_code="").values_list("insee_code", flat=True)
    )
    commune = communes.most_common(1)[0][0]
    return commune if kind == "commune" else geo.get("epci", commune.epci_code)


def _pages_in(territory):
    pages = _public_pages()
    if territory.kind == "region":
        return pages.filter(region_code=territory.code)
    if territory.kind == "departement":
        return pages.filter(department_code=territory.code)
    return pages.filter(insee_code__in=geo.commune_codes(territory))


@pytest.mark.parametrize("kind", geo.KINDS)
def test_figures_equal_the_search_engine_and_the_pages(catalogue_slice, kind):
    territory = _busiest(kind)
    data = figures(territory)
    pages = _pages_in(territory)
    assert data["projects"] == pages.count() > 0
    query = SearchQuery(territory=territory.key)
    results = engine.execute(query)
    assert results.count == data["projects"]
    by_domain = {i["value"]: i["count"] for i in results.facets["domaine"]}
    for row in data["domains"]:
        assert row["count"] == by_domain.get(row["slug"], 0)
        expected = pages.filter(codes__groups__slug=row["slug"]).distinct().count()
        assert row["count"] == expected, row
        # The results page with the same domain filter agrees.
        assert engine.count_of(query.with_value("domaine", row["slug"])) == row["count"]
    assert data["per_10000"] == round(data["projects"] * 10_000 / territory.population, 2)
    assert data["national_projects"] == _public_pages().count()


def _quietest_commune() -> geo.Territory:
    codes = _public_pages().exclude(insee_code="").values_list("insee_code", flat=True)
    communes = Counter(geo.current_commune(c) for c in codes)
    return min(communes, key=lambda t: (communes[t], t.code))


def test_missing_lists_only_domains_without_projects(catalogue_slice):
    territory = _quietest_commune()
    data = figures(territory)
    pages = _pages_in(territory)
    present = set(
        TaxonomyGroup.objects.filter(family="domaines", codes__projects__in=pages).values_list(
            "slug", flat=True
        )
    )
    all_domains = set(
        TaxonomyGroup.objects.filter(family="domaines").values_list("slug", flat=True)
    )
    missing = {row["slug"] for row in data["missing"]}
    assert missing == all_domains - present
    assert missing, "a commune with one project lacks some domain"
    here = set(pages.values_list("pk", flat=True))
    for row in data["missing"]:
        for card in row["nearest"]:
            assert card["id"] not in here
            page = _public_pages().get(pk=card["id"])
            assert page.codes.filter(groups__slug=row["slug"]).exists()
        distances = [card["distance_km"] for card in row["nearest"]]
        assert distances == sorted(distances)
        for other in row["comparable"]:
            t = geo.get("commune", other["code"])
            assert t.population_class == territory.population_class
            assert other["count"] == engine.count_of(
                SearchQuery(territory=t.key).with_value("domaine", row["slug"])
            )


def test_private_and_unpublished_never_counted(catalogue_slice, client):
    for page in (catalogue_slice.private, catalogue_slice.unpublished):
        commune = geo.current_commune(page.insee_code)
        data = figures(commune)
        assert data["projects"] == _pages_in(commune).count()
        html = client.get(f"/territoires/commune/{commune.code}/").content.decode()
        assert page.title not in html
        body = client.get(f"/api/territories/commune/{commune.code}").content.decode()
        assert page.title not in body


# --- pages, downloads, bad input --------------------------------------------------------------
def test_pages_csv_and_json(catalogue_slice, client):
    territory = _busiest("departement")
    response = client.get(f"/territoires/departement/{territory.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    data = figures(territory)
    assert f"data-territory-count>{data['projects']}<" in html
    assert "Ce qui manque ici" in html
    assert f"territoire=departement/{territory.code}" in html  # the map's filter
    api = client.get(f"/api/territories/departement/{territory.code}")
    assert api.status_code == 200 and api.json()["projects"] == data["projects"]
    response = client.get(f"/territoires/departement/{territory.code}/donnees.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "section"
    assert ["territoire", "projets", "", str(data["projects"]), "", "", ""] in rows
    domains = [r for r in rows if r[0] == "domaine"]
    assert {r[1]: int(r[3]) for r in domains} == {d["slug"]: d["count"] for d in data["domains"]}


def test_comparison_side_by_side(catalogue_slice, client):
    a, b = _busiest("region"), geo.get("region", "11")
    response = client.get(f"/territoires/region/{a.code}/?comparer=region/{b.code}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "territory-comparison" in html and b.name in html
    assert client.get(f"/territoires/region/{a.code}/?comparer=region/99").status_code == 400


def test_search_results_page_filters_by_territory(catalogue_slice, client, site_tree):
    territory = _busiest("epci")
    response = client.get(f"/projets/?territoire=epci/{territory.code}")
    assert response.status_code == 200
    assert response.context["search"].count == _pages_in(territory).count()
    assert f"Territoire : {territory.name}" in response.content.decode()


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_hostile_input_never_errors(catalogue_slice, client, value):
    from urllib.parse import quote

    for path in (
        f"/territoires/commune/{quote(value, safe='')}/",
        f"/api/territories/epci/{quote(value, safe='')}",
    ):
        assert client.get(path, follow=True).status_code == 404
    for params in ({"comparer": value}, {"q": value, "domaine": value, "page": value}):
        status = client.get("/territoires/region/52/", params).status_code
        assert status in (200, 400), (params, status)
    assert client.get("/projets/", {"territoire": value}).status_code in (200, 404)
    assert client.get("/api/map", {"territoire": value}).status_code == 200


# --- embeds: the "Territoire" block, the statistics page, the API description ----------------
def test_territory_block_renders_the_panel_and_refuses_unknown_codes(catalogue_slice):
    from wagtail.blocks import StructBlockValidationError

    from catalogue.territories.blocks import TerritoryBlock

    block = TerritoryBlock()
    territory = _busiest("departement")
    value = block.clean(block.to_python({"kind": "departement", "code": territory.code.lower()}))
    assert value["code"] == territory.code
    html = block.render(value)
    assert f'data-territory="departement/{territory.code}"' in html
    assert f"data-territory-count>{figures(territory)['projects']}<" in html
    for kind, code in (("departement", "99"), ("epci", "<b>"), ("commune", "")):
        with pytest.raises(StructBlockValidationError):
            block.clean(block.to_python({"kind": kind, "code": code}))


def test_statistics_page_links_departments_to_their_pages(catalogue_slice, client):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client.get("/statistiques/").content, "html.parser")
    links = {a["href"] for a in soup.select("#stats-carte-heading ~ details a[href]")}
    departments = set(
        _public_pages().exclude(department_code="").values_list("department_code", flat=True)
    )
    assert {f"/territoires/departement/{code}/" for code in departments} <= links
    assert soup.select_one('figcaption a[href="/territoires/"]') is not None


def test_api_territory_is_described_and_answers_json_404(catalogue_slice, client):
    schema = client.get("/api/openapi.json").json()
    path = schema["paths"]["/api/territories/{kind}/{code}"]["get"]
    assert path["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Territory"
    )
    names = {p["name"] for p in schema["components"]["parameters"].values()}
    assert "territoire" in names
    response = client.get("/api/territories/commune/00000")
    assert response.status_code == 404 and response.json()["detail"]
    assert client.get("/api/territories/pays/FR").status_code == 404


def test_nearest_reads_the_grid_and_finds_what_a_full_scan_finds(catalogue_slice):
    """ "Missing here" asks each domain's nearest projects: read ring by ring from the grid,
    they are exactly the full scan's (distance, then id), wherever the point (mainland, a
    corner of Corsica, overseas, mid-ocean: the scan past the last ring)."""
    from catalogue.search import idsets, places

    points = [(47.2184, -1.5536), (48.8566, 2.3522), (41.39, 9.16), (-21.115, 55.536),
              (16.24, -61.53), (45.0, -30.0), (50.95, 1.85)]  # fmt: skip
    slugs = TaxonomyGroup.objects.filter(family="domaines").values_list("slug", flat=True)
    everything = frozenset(places.entry_places())
    for slug in [*slugs, None]:
        ids = everything if slug is None else idsets.value_ids("domaine", slug)
        exclude = set(sorted(ids)[:3])
        for point in points:
            for limit in (1, 3, 10):
                expected = places._scan(ids, point, limit, exclude)
                assert places.nearest(ids, point, limit, exclude=exclude) == expected
    assert places.nearest(frozenset(), points[0], 3) == []
