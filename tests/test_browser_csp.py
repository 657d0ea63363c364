"""The main pages run under the public Content-Security-Policy with no violation: home,
results with a facet's live update, the map, a project page, statistics, log-in (Playwright +
Debian chromium; see tests/browser.py)."""

import re

import pytest

from tests.catalogue.test_search_browser import search_site  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
    window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def violations(page):
    return page.evaluate("window.__csp")


def test_main_pages_run_without_csp_violation(page, search_site):  # noqa: F811
    page.context.add_init_script(COLLECT)
    seen = {}

    page.goto("/")
    assert page.evaluate("document.documentElement.classList.contains('js')")
    seen["accueil"] = violations(page)

    page.goto("/projets/")
    box = page.locator('fieldset[data-facet="domaine"] input[type=checkbox]:not([disabled])').first
    value = box.get_attribute("value")
    box.check()
    page.wait_for_url(re.compile(rf"domaine={value}"))
    page.wait_for_selector('.chips .chip:has-text("Domaines")')
    seen["résultats"] = violations(page)

    page.locator("#results-list .card__link").first.click()
    page.wait_for_selector("h1")
    seen["projet"] = violations(page)

    page.goto("/carte/")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector(".leaflet-marker-icon, .marker-cluster")
    seen["carte"] = violations(page)

    page.goto("/statistiques/")
    page.wait_for_selector("h1")
    seen["statistiques"] = violations(page)

    page.goto("/comptes/login/")
    page.fill("input[name=login]", "personne@exemple.org")
    page.fill("input[name=password]", "mauvais")
    with page.expect_navigation():
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
    assert "incorrect" in page.content()
    seen["connexion"] = violations(page)

    assert {name: found for name, found in seen.items() if found} == {}
    assert [e for e in page.errors if "Content Security Policy" in e] == []
    assert page.errors == []
