"""The search journey in a real browser (Playwright + Debian chromium): search, tick a facet,
the results update live (count, URL), open a project, come back with the filters kept; the
commune combobox; no serious accessibility violation. The map part is in test_map_browser.py.
"""

from __future__ import annotations

import re

import pytest

from catalogue import services
from catalogue.models import ProjectPage
from catalogue.search import SearchQuery
from catalogue.search.engine import execute
from tests.browser import describe_violations
from tests.catalogue.search_data import harvest_real_records

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PER_SOURCE = 15


@pytest.fixture
def search_site(live_server, settings):
    """Real FFE and Apriles records on a site bound to the live server."""
    settings.MAP_TILE_URL = ""  # offline
    host, port = live_server.url.removeprefix("http://").split(":")
    services.ensure_site_tree(hostname=host, port=int(port))
    harvest_real_records(PER_SOURCE)
    return ProjectPage.objects.live().public()


def count_text(page):
    return page.locator("#results-count").inner_text()


def test_search_tick_a_facet_open_a_project_and_come_back(page, axe, search_site):
    total = search_site.count()
    page.goto("/projets/")
    assert count_text(page) == f"{total} projets"

    # Free text, submitted: results and address bar update without a page load.
    page.evaluate("window.__sameDocument = true")
    page.fill("#search-q", "jeunes")
    page.press("#search-q", "Enter")
    text_count = execute(SearchQuery(text="jeunes")).count
    page.wait_for_function(
        "n => document.querySelector('#results-count').textContent.trim() === n + ' projets'",
        arg=text_count,
    )
    assert "q=jeunes" in page.url
    assert page.evaluate("window.__sameDocument") is True

    # Tick the first enabled value of the Domaines facet: live update again.
    box = page.locator('fieldset[data-facet="domaine"] input[type=checkbox]:not([disabled])').first
    value = box.get_attribute("value")
    box.check()
    expected = execute(SearchQuery(text="jeunes", filters={"domaine": [value]})).count
    assert 0 < expected < text_count or expected == text_count
    page.wait_for_url(re.compile(rf"domaine={value}"))
    page.wait_for_function(
        "n => document.querySelector('#results-count').textContent.trim().startsWith(n + ' projet')",
        arg=expected,
    )
    assert page.evaluate("window.__sameDocument") is True
    # The active filter appears as a removable chip.
    assert page.locator(".chips .chip", has_text="Domaines").count() == 1
    assert axe(page) == [], describe_violations(axe(page))

    # Open a project, then come back: filters and results are kept.
    filtered_url = page.url
    first = page.locator("#results-list .card__link").first
    title = first.inner_text()
    first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().strip() == title.strip()
    page.go_back()
    page.wait_for_url(filtered_url)
    assert page.locator(f'fieldset[data-facet="domaine"] input[value="{value}"]').is_checked()
    assert page.input_value("#search-q") == "jeunes"
    assert count_text(page).startswith(f"{expected} projet")
    assert page.errors == []


def test_remove_a_chip_and_use_the_commune_combobox(page, search_site):
    page.goto("/projets/?q=jeunes")
    page.locator(".chips .chip", has_text="jeunes").click()
    page.wait_for_function("() => !location.search.includes('q=')")
    assert count_text(page) == f"{search_site.count()} projets"

    combobox = page.locator("#search-ou")
    assert combobox.get_attribute("role") == "combobox"
    combobox.fill("Pari")
    page.wait_for_selector('[role="listbox"] [role="option"]')
    assert combobox.get_attribute("aria-expanded") == "true"
    combobox.press("ArrowDown")
    active = combobox.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    option = page.locator(f"#{active}")
    insee = option.get_attribute("data-insee")
    combobox.press("Enter")
    page.wait_for_url(re.compile(rf"commune={insee}"))
    assert combobox.get_attribute("aria-expanded") == "false"
    assert page.locator(".chips .chip", has_text="km de").count() == 1
    assert page.errors == []


def test_guided_search_pages_are_accessible(page, axe, search_site):
    page.goto("/projets/guide/")
    assert axe(page) == [], describe_violations(axe(page))
    page.locator('input[name="domaine"]').first.check()
    page.get_by_role("button", name="Étape suivante").click()
    page.wait_for_url(re.compile(r"etape=2"))
    page.locator('input[name="public"]').first.check()
    page.get_by_role("button", name="Étape suivante").click()
    page.wait_for_url(re.compile(r"etape=3"))
    assert axe(page) == [], describe_violations(axe(page))
    page.get_by_role("button", name="Voir les projets").click()
    page.wait_for_url(re.compile(r"/projets/\?.*domaine=.*public="))
    assert page.locator("#results-count").is_visible()
    assert page.errors == []


def test_phone_folds_the_facets_behind_a_button_that_counts_ticked_filters(page, search_site):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/projets/")
    toggle = page.locator("[data-facets-toggle]")
    facets = page.locator("#facets-panel")
    # Results come first: the facet list is folded, the button says it is.
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not facets.is_visible()
    assert page.locator("#search-results").is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and facets.is_visible()
    box = page.locator('fieldset[data-facet="domaine"] input[type=checkbox]:not([disabled])').first
    value = box.get_attribute("value")
    box.check()
    page.wait_for_url(re.compile(rf"domaine={value}"))
    # The live update replaced the facets; the button still counts the ticked filter.
    expect_text = "Afficher les filtres (1)"
    page.wait_for_function(
        "t => document.querySelector('[data-facets-toggle]').textContent.trim() === t",
        arg=expect_text,
    )
    toggle.click()
    assert not facets.is_visible()

    # On a wide screen the list is always there and the button is gone.
    page.set_viewport_size({"width": 1280, "height": 900})
    toggle.wait_for(state="hidden")  # the media query's change event follows the resize
    assert facets.is_visible()
