"""The shared layout (templates/base.html) in a real browser, through the 404 page that extends it.

The 404 page needs no content in the database, so these tests hold whatever page models exist.
"""

import re

import pytest

from tests.browser import describe_violations

# serialized_rollback restores the rows migrations create (Wagtail's root page, locale) that the
# live server's flush removes, so tests that run after these still find them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MISSING = "/cette-page-n-existe-pas/"


def test_404_page_uses_the_layout_and_its_stylesheet(page):
    response = page.goto(MISSING)
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.title().startswith("Page introuvable")
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    nav = page.get_by_role("navigation", name="Navigation principale")
    for name, href in [
        ("Projets", "/projets/"),
        ("Actualités", "/actualites/"),
        ("Partenaires", "/partenaires/"),
    ]:
        assert nav.get_by_role("link", name=name, exact=True).get_attribute("href") == href
    footer = page.locator("footer")
    assert "Licence Ouverte 2.0" in footer.inner_text()
    assert footer.get_by_role("link", name=re.compile("API")).get_attribute("href") == "/api/"

    # The stylesheet is served by the live server and applied (not just linked).
    css = page.request.get(page.locator("link[rel=stylesheet]").first.get_attribute("href"))
    assert css.status == 200 and "--primary" in css.text()
    header_bg = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header_bg == "rgb(11, 58, 74)"
    skip_top = page.locator(".skip-link").evaluate("e => e.getBoundingClientRect().bottom")
    assert skip_top <= 0, "the skip link should sit off-screen until focused"
    # The only failed load is the document itself (a 404 by design): favicon, CSS and JS load.
    assert [e for e in page.errors if "404" not in e] == []
    assert len(page.errors) <= 1


def test_skip_link_is_first_and_moves_focus_to_main(page):
    page.goto(MISSING)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    # a focused skip link must be visible once its 0.15 s slide-in is over
    page.wait_for_function(
        "() => document.querySelector('.skip-link').getBoundingClientRect().top >= 0",
        timeout=2000,
    )
    outline = page.locator(".skip-link").evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid", "keyboard focus must be visible"

    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"
    assert page.url.endswith("#contenu")
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_mobile_menu_toggle(page):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(MISSING)
    toggle = page.get_by_role("button", name="Menu")
    # A CSS locator: role locators skip hidden elements and would find the footer's link.
    nav_link = page.locator(".main-nav a[href='/partenaires/']")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav_link.is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav_link.is_visible()

    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav_link.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('nav-toggle')")


def test_wide_screen_shows_the_menu_without_toggle(page):
    page.goto(MISSING)
    assert not page.locator(".nav-toggle").is_visible()
    assert page.locator(".main-nav a[href='/partenaires/']").is_visible()


def test_menu_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    try:
        tab = context.new_page()
        tab.goto(live_server.url + MISSING)
        assert not tab.locator(".nav-toggle").is_visible()
        assert tab.locator(".main-nav a[href='/partenaires/']").is_visible()
    finally:
        context.close()


def test_language_switcher_sets_the_language(page):
    page.goto(MISSING)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="English").get_attribute("aria-pressed") == "true"


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations(page, axe, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(MISSING)
    violations = axe(page)
    assert violations == [], describe_violations(violations)
