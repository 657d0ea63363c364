"""The map in a real browser (Playwright + Debian chromium): markers and clusters appear, the map
follows the live search when a facet is ticked on /projets/, popups load on demand, and the
"search in this map view" button filters the list. Offline: no tiles, so markers are asserted.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from catalogue import services
from catalogue.models import ProjectPage, TaxonomyGroup
from tests.browser import describe_violations
from tests.catalogue.search_data import harvest_real_records

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PER_SOURCE = 15


@pytest.fixture
def mapped_site(live_server, settings):
    """Real FFE and Apriles records on a site bound to the live server; no tile server."""
    settings.MAP_TILE_URL = ""  # offline: tiles would only log network errors
    host, port = live_server.url.removeprefix("http://").split(":")
    services.ensure_site_tree(hostname=host, port=int(port))
    harvest_real_records(PER_SOURCE)
    return ProjectPage.objects.live().public().filter(latitude__isnull=False)


def wait_for_total(page, total: int, selector="[data-carrefour-map]"):
    page.wait_for_selector(f'{selector}[data-total="{total}"]:not([aria-busy])')


def test_map_journey(page, mapped_site, axe, monkeypatch):
    """One journey (the live-server data is loaded once): results page map, facet, popup,
    "search in this map view", then the standalone map's clusters with the keyboard."""
    located = mapped_site.count()
    assert located > 15
    page.goto("/projets/")
    wait_for_total(page, located)
    root = page.locator("[data-carrefour-map]")
    assert root.get_attribute("data-mode") == "points"
    markers = page.locator("#results-map .map-point, #results-map .map-cluster")
    assert markers.count() > 0
    # Client clusters carry their counts; together with single points they hold every project.
    counts = page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '#results-map .map-cluster, #results-map .map-point')).reduce((sum, el) =>
            sum + (el.classList.contains('map-point') ? 1
                : parseInt(el.querySelector('[aria-hidden]').textContent, 10)), 0)"""
    )
    assert counts == located
    summary = page.locator("[data-map-summary]").inner_text()
    assert f"{located} projets dans cette vue" in summary.replace("\u202f", "")

    # Tick a Domaine that keeps some projects: the list and the map both narrow.
    group = (
        TaxonomyGroup.objects.filter(family="domaines", codes__projects__in=mapped_site)
        .distinct()
        .first()
    )
    expected = mapped_site.filter(codes__groups=group).distinct().count()
    assert 0 < expected < located
    page.locator(f'input[name="domaine"][value="{group.slug}"]').check()
    page.wait_for_url(re.compile(rf"domaine={group.slug}"))
    wait_for_total(page, expected)
    assert page.locator("[data-map-list-link]").get_attribute("href").count(group.slug) == 1

    # A popup loads on demand: title, city and a link to the project.
    project = mapped_site.filter(codes__groups=group).first()
    page.evaluate(
        "([lat, lng]) => document.querySelector('[data-carrefour-map]').carrefourMap.map"
        ".setView([lat, lng], 17)",
        [project.latitude, project.longitude],
    )
    page.wait_for_selector(f'.map-point[data-project-id="{project.pk}"]')
    page.locator(f'.map-point[data-project-id="{project.pk}"]').first.click()
    link = page.locator(".map-popup__title a")
    link.wait_for()
    assert link.inner_text() == project.title
    assert link.get_attribute("href") == project.url

    # "Search in this map view": the bbox goes into the URL, the list and the map agree.
    page.goto("/projets/")
    wait_for_total(page, located)
    page.evaluate(
        "() => document.querySelector('[data-carrefour-map]').carrefourMap.map"
        ".fitBounds([[48.1, 1.4], [49.6, 3.6]])"
    )
    page.wait_for_selector("[data-carrefour-map]:not([aria-busy])")
    page.get_by_role("button", name="Rechercher dans cette zone de la carte").click()
    page.wait_for_url(re.compile(r"bbox="))
    west, south, east, north = map(float, parse_qs(urlparse(page.url).query)["bbox"][0].split(","))
    inside = mapped_site.filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    ).count()
    wait_for_total(page, inside)
    # The list counts the same projects; the filter is kept in the form for the next change.
    assert page.locator("[data-map-bbox-input]").get_attribute("value")
    assert page.locator("#results-count").inner_text().startswith(f"{inside} projet")

    # The standalone map with server clusters (few projects here: force clustering).
    from catalogue.maps import grid

    monkeypatch.setattr(grid, "SMALL_VIEW", 0)
    page.goto("/carte/")
    wait_for_total(page, located)
    assert page.locator("[data-carrefour-map]").get_attribute("data-mode") == "clusters"
    clusters = page.locator(".map-cluster")
    assert clusters.count() > 0
    total = sum(int(c.get_attribute("data-count") or 1) for c in clusters.all())
    total += page.locator(".leaflet-marker-pane .map-point").count()
    assert total == located
    first = clusters.first
    assert first.get_attribute("tabindex") == "0"
    assert re.match(r"\d+ projets : zoomer sur ce groupe", first.get_attribute("aria-label"))
    zoom = page.evaluate(
        "() => document.querySelector('[data-carrefour-map]').carrefourMap.map.getZoom()"
    )
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => document.querySelector('[data-carrefour-map]').carrefourMap.map.getZoom() > {zoom}"
    )
    violations = axe(page)
    assert violations == [], describe_violations(violations)
    assert page.errors == []
