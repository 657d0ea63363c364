"""Maps without a network, in a real browser (Playwright + Debian chromium): every map draws the
site's own base layer (the departments, as SVG paths) beneath its markers; tiles show through it
when they load; the project page's small map, its text place, no serious axe violation, and on a
phone the facts before the comments.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from catalogue import services
from catalogue.models import ProjectPage
from tests.browser import describe_violations
from tests.catalogue.search_data import harvest_real_records

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PER_SOURCE = 8
DEPARTMENT_PATHS = ".leaflet-basemap-pane path.map-basemap__department"


@pytest.fixture
def offline_site(live_server, settings):
    """Real FFE and Apriles records on a site bound to the live server; an external tile server
    that cannot be reached (every request off 127.0.0.1 is refused by the browser)."""
    # The configured external tile server (the Content-Security-Policy allows its origin): the
    # browser may ask, the test refuses every such request.
    assert settings.MAP_TILE_URL.startswith("https://") and "{s}" not in settings.MAP_TILE_URL
    host, port = live_server.url.removeprefix("http://").split(":")
    services.ensure_site_tree(hostname=host, port=int(port))
    harvest_real_records(PER_SOURCE)
    return ProjectPage.objects.live().public().filter(latitude__isnull=False)


def no_network(page):
    """Refuse every request that leaves the machine; return the list of refused URLs."""
    refused = []

    def route(route_, request):
        if urlparse(request.url).hostname in ("127.0.0.1", "localhost"):
            route_.continue_()
        else:
            refused.append(request.url)
            route_.abort()

    page.context.route("**/*", route)
    return refused


def drawn_departments(page, root):
    """Number of department paths drawn with a real size inside the map `root`."""
    return page.evaluate(
        """(root) => Array.from(document.querySelector(root).querySelectorAll(
            '.leaflet-basemap-pane path.map-basemap__department'))
            .filter((p) => { const b = p.getBoundingClientRect(); return b.width > 0 && b.height > 0; })
            .length""",
        root,
    )


def test_maps_are_readable_offline(page, offline_site, axe, settings):
    located = offline_site.count()
    assert located > 8
    refused = no_network(page)

    # The world map: base layer under the markers, every project counted, tiles refused.
    page.goto("/carte/")
    page.wait_for_selector(f'[data-carrefour-map][data-total="{located}"][data-basemap="loaded"]')
    assert page.locator(DEPARTMENT_PATHS).count() == 101
    # Drawn at a real size (not a zero-width SVG) and filled: land stands out from the sea.
    assert drawn_departments(page, "[data-carrefour-map]") > 90
    assert page.locator(DEPARTMENT_PATHS).first.get_attribute("fill-opacity") == "1"
    assert page.locator(
        ".leaflet-marker-pane .map-cluster, .leaflet-marker-pane .map-point"
    ).count()
    pane_z = page.evaluate(
        "() => [getComputedStyle(document.querySelector('.leaflet-basemap-pane')).zIndex,"
        " getComputedStyle(document.querySelector('.leaflet-marker-pane')).zIndex]"
    )
    assert int(pane_z[0]) < int(pane_z[1])  # beneath the markers
    tile_host = urlparse(settings.MAP_TILE_URL).netloc
    assert refused and {urlparse(url).netloc for url in refused} == {tile_host}, refused
    assert "Natural Earth" in page.locator(".leaflet-control-attribution").inner_text()

    # The results page's map has it too.
    page.goto("/projets/")
    page.wait_for_selector('#results-map [data-carrefour-map][data-basemap="loaded"]')
    assert drawn_departments(page, "#results-map") > 90

    # The project page: a small map of the place, with the base layer and its marker; the
    # place in words beside it; no raw coordinates; no serious accessibility violation.
    project = offline_site.exclude(city="").order_by("pk").first()
    page.goto(project.url)
    page.wait_for_selector('[data-carrefour-place-map][data-basemap="loaded"]')
    assert drawn_departments(page, "[data-carrefour-place-map]") > 0
    marker = page.locator("[data-carrefour-place-map] .map-point--place")
    assert marker.count() == 1 and marker.get_attribute("aria-hidden") == "true"
    assert page.locator(".project__place").inner_text().startswith(project.city)
    region = page.get_by_role("region", name=f"Carte : {project.city}", exact=False)
    assert region.count() == 1
    centre = page.evaluate(
        "() => { const c = document.querySelector('[data-carrefour-place-map]')"
        ".carrefourMap.map.getCenter(); return [c.lat, c.lng]; }"
    )
    assert centre == pytest.approx([project.latitude, project.longitude], abs=1e-4)
    violations = axe(page)
    assert violations == [], describe_violations(violations)
    errors = [e for e in page.errors if "Failed to load resource" not in e]
    assert errors == []

    # On a phone the facts (structure, territory, themes) come before the comments.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(project.url)
    facts = page.locator(".project__aside").bounding_box()
    comments = page.locator(".project__community").bounding_box()
    assert facts["y"] + facts["height"] <= comments["y"]
    page.set_viewport_size({"width": 1280, "height": 900})

    # Tiles that load (here, an image of the live server): they show through the base layer,
    # whose borders stay on top.
    settings.MAP_TILE_URL = "/static/vendor/leaflet/images/marker-icon.png?{z}/{x}/{y}"
    page.goto("/carte/")
    page.wait_for_selector('[data-carrefour-map][data-tiles="loaded"][data-basemap="loaded"]')
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('path.map-basemap__department'))"
        ".every((p) => p.getAttribute('fill-opacity') === '0')"
    )
    assert page.locator(".leaflet-tile-pane img.leaflet-tile-loaded").count() > 0
