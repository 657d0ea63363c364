"""Accessibility audit in a real browser: axe-core (WCAG 2.1 A/AA) on every public page type, at
desktop and phone widths, over a small real dataset; and keyboard journeys (skip link, visible
focus, the search facets).

One test per viewport visits all the pages, so the dataset is loaded once per viewport (the live
server flushes the database after each test). Failures list every page's violations at once.
"""

import itertools
import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from catalogue import services
from catalogue.models import ArticlePage
from importers.normalise.csv_sources import read_ffe_laureates
from tests.browser import describe_violations

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback restores the rows migrations create (Wagtail's root page, locale),
    # which the live server's flush removes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECORDS = 6
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def data_dir():
    return Path(os.environ.get("SHARED_DATA_DIR", settings.SHARED_DATA_DIR))


@pytest.fixture
def site(live_server):
    """Site tree on the live server, real FFE laureates, a news item and a community space."""
    from tests.community.factories import SpaceFactory

    host, port = live_server.url.removeprefix("http://").split(":")
    tree = services.ensure_site_tree(hostname=host, port=int(port))
    partner = services.upsert_partner(
        "Fondation La France s'engage", website="https://fondationlafrancesengage.org/"
    )
    projects = []
    for record in itertools.islice(read_ffe_laureates(data_dir() / "ffe-laureates.csv"), RECORDS):
        projects.append(services.upsert_project(record, source_key="ffe", partner=partner).page)
    services.set_coup_de_coeur(projects[0], True)
    article = ArticlePage(
        title="Le Carrefour ouvre ses portes",
        slug="le-carrefour-ouvre",
        intro="Les premiers annuaires partenaires sont en ligne.",
    )
    tree.news.add_child(instance=article)
    article.save_revision().publish()
    SpaceFactory(name="Tiers-lieux du Morvan", description="Un espace pour les tiers-lieux ruraux.")
    return {"project": projects[0], "partner": partner, "article": article}


def pages_to_audit(site):
    return [
        ("accueil", "/"),
        ("projets (facette cochée)", "/projets/"),
        ("fiche projet", site["project"].url),
        ("recherche guidée", "/projets/guide/"),
        ("carte", "/carte/"),
        ("statistiques", "/statistiques/"),
        ("API", "/api/"),
        ("partenaires", "/partenaires/"),
        ("page partenaire", site["partner"].url),
        ("actualités", "/actualites/"),
        ("article", site["article"].url),
        ("espaces", "/espaces/"),
        ("connexion", "/comptes/login/"),
        ("inscription", "/comptes/signup/"),
        *territory_pages(site["project"]),
    ]


def territory_pages(project):
    """The territory pages of the project's commune (commune, EPCI, department, region), one
    with a comparison, and the territory index."""
    from catalogue.territories import geo

    commune = geo.current_commune(project.insee_code)
    found = [("territoires", "/territoires/")]
    for t in [commune, *geo.parents(commune)]:
        found.append((f"territoire {t.kind}", f"/territoires/{t.kind}/{t.code}/"))
    found.append(
        ("territoires comparés", f"/territoires/commune/{commune.code}/?comparer=commune/49007")
    )
    return found


def tick_first_facet(page):
    """Tick the first facet value like a visitor (live update swaps the results); on a phone,
    unfold the facets first (the audit then covers the open panel too)."""
    toggle = page.locator("[data-facets-toggle]")
    if toggle.is_visible():
        toggle.click()
    checkbox = page.locator("#search-facets input[type=checkbox]").first
    checkbox.check()
    page.wait_for_url("**/projets/?*")
    page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")


def audit(page, axe, site, viewport, only=None):
    page.set_viewport_size(viewport)
    report = {}
    for name, path in pages_to_audit(site):
        if only is not None and path not in only:
            continue
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        if path == "/projets/":
            tick_first_facet(page)
            assert page.locator("#search-facets input:checked").count() == 1
        page.wait_for_load_state("load")
        problems = []
        violations = axe(page)
        if violations:
            problems.append(describe_violations(violations))
        # One h1, and no level skipped on the way down (axe's heading-order is only advisory).
        levels = page.evaluate(
            """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
                .filter(h => h.getClientRects().length || h.closest('.visually-hidden'))
                .map(h => Number(h.tagName[1]))"""
        )
        skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
        if levels.count(1) != 1 or skips:
            problems.append(f"heading levels {levels}: skips {skips}")
        # Scripts ran without error; only outside resources (map tiles) may fail offline.
        errors = [e for e in page.errors if "net::ERR_" not in e]
        if errors:
            problems.append(f"JavaScript or resource errors: {errors}")
        page.errors.clear()
        # WCAG 1.4.10 (reflow): no horizontal scrolling at 320 CSS px wide and up.
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                    .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className)"""
            )
            problems.append(f"scrolls sideways by {overflow}px: {wide}")
        if problems:
            report[f"{name} ({path})"] = problems
    return report


def format_report(report):
    return "\n".join(f"{page}:\n  " + "\n  ".join(problems) for page, problems in report.items())


def test_every_page_type_passes_axe_on_desktop(page, axe, site, live_server):
    report = audit(page, axe, site, DESKTOP)
    assert report == {}, format_report(report)

    # The English interface (chosen with the switcher's cookie) on the main page types.
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    english = ["/", "/projets/", site["project"].url, "/carte/", "/comptes/login/"]
    report = audit(page, axe, site, DESKTOP, only=english)
    assert page.locator("html").get_attribute("lang") == "en"
    assert report == {}, format_report(report)
    # The map's own texts (written by map.js) are in English too.
    page.goto("/carte/")
    assert page.locator(".leaflet-control-zoom-in").get_attribute("aria-label") == "Zoom in"
    page.wait_for_function(
        "() => /projects? in this map view/.test("
        "document.querySelector('[data-map-summary]').textContent)"
    )


def test_every_page_type_passes_axe_on_a_phone(page, axe, site):
    report = audit(page, axe, site, PHONE)
    assert report == {}, format_report(report)


def focus_ring(page):
    """What the focused element shows: its tag, text and whether a focus indicator is drawn."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            const s = getComputedStyle(e);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            return {tag: e.tagName.toLowerCase(), text: (e.textContent || e.value || '').trim(),
                    visible: outline || shadow, focusVisible: e.matches(':focus-visible')};
        }"""
    )


def test_keyboard_skip_link_visible_focus_and_facets(page, site):
    page.goto("/projets/")
    # The skip link comes first, shows itself and moves focus to the main content.
    page.keyboard.press("Tab")
    first = focus_ring(page)
    assert first["text"] == "Aller au contenu" and first["visible"] and first["focusVisible"]
    # it slides in (0.15 s transition): wait until it has fully entered the viewport
    page.wait_for_function(
        "() => document.querySelector('.skip-link').getBoundingClientRect().top >= 0",
        timeout=2000,
    )
    # Every link and control reached by Tab in the header shows a focus indicator.
    for _ in range(8):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        assert ring["visible"], f"no visible focus on {ring}"
        assert page.evaluate("() => !!document.activeElement.closest('header')")
    page.locator(".skip-link").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"

    # The facets: Tab reaches a checkbox, Space ticks it, the results follow, and focus stays
    # on the checkbox (the live update replaces the facets' HTML) so the visitor can go on.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => document.activeElement.matches('#search-facets input[type=checkbox]')"
        ):
            break
    else:
        pytest.fail("Tab never reached a facet checkbox")
    ring = focus_ring(page)
    assert ring["visible"], f"no visible focus on the facet checkbox: {ring}"
    name, value = page.evaluate("() => [document.activeElement.name, document.activeElement.value]")
    page.keyboard.press("Space")
    # Ticked at once; the live update may be replacing the facets meanwhile, then gives the
    # focus back to the same checkbox: read it once focus has settled on it.
    try:
        page.wait_for_function(
            """([name, value]) => {
                const element = document.activeElement;
                return element && element.name === name && element.value === value;
            }""",
            arg=[name, value],
            timeout=30000,
        )
    except PlaywrightTimeout:
        active = page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")
        pytest.fail(
            f"focus left {name}={value} after the live update: now on {active} at {page.url}; "
            f"browser errors: {page.errors}"
        )
    assert page.evaluate("() => document.activeElement.checked"), "Space did not tick it"
    # The live update pushes the new address once its results arrive (slow on a loaded CI);
    # read as parameters (encoded, or several values joined by commas).
    try:
        page.wait_for_function(
            """([name, value]) => new URLSearchParams(location.search).getAll(name)
                .some(v => v.split(',').includes(value))""",
            arg=[name, value],
            timeout=30000,
        )
    except Exception as error:  # say what the page shows, then fail
        state = page.evaluate(
            "() => [location.href, document.querySelector('#search-results')"
            "?.getAttribute('aria-busy')]"
        )
        pytest.fail(f"no live update for {name}={value}: {state} ({error})")
    page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
    assert page.locator(f"#search-facets input[name='{name}'][value='{value}']").is_checked()
    assert page.locator("#search-results .chips .chip").count() >= 2  # the filter and "clear"
    # The new total is announced by a status region that outlives the update.
    total = page.locator("#results-count").inner_text().strip()
    status = page.locator("[data-search-announcer]")
    assert (
        status.get_attribute("role") == "status"
        and not status.locator("xpath=ancestor::*[@id='search-results']").count()
    )
    page.wait_for_function(
        "t => document.querySelector('[data-search-announcer]').textContent === t", arg=total
    )
    assert page.evaluate("() => [document.activeElement.name, document.activeElement.value]") == [
        name,
        value,
    ], "focus was lost when the facets were refreshed"
    # Space again unticks it, still from the keyboard.
    page.keyboard.press("Space")
    page.wait_for_function(f"() => !location.search.includes('{name}={value}')")
    page.wait_for_function("() => !document.querySelector('[aria-busy=true]')")
    assert not page.locator(f"#search-facets input[name='{name}'][value='{value}']").is_checked()
