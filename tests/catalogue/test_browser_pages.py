"""The design on real catalogue pages, in a real browser: accessibility and the project card."""

import pytest

from catalogue import services
from catalogue.records import ProjectRecord
from tests.browser import describe_violations

# serialized_rollback: each live-server test flushes the database, Wagtail's root page and locale
# (created by migrations) included; this restores them before every test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def catalogue_site(live_server, settings):
    """Site tree bound to the live server, one partner and one "coup de cœur" real project."""
    settings.MAP_TILE_URL = ""  # offline: the project page's map would only log tile errors
    host, port = live_server.url.removeprefix("http://").split(":")
    tree = services.ensure_site_tree(hostname=host, port=int(port))
    partner = services.upsert_partner(
        "La France s'engage", website="https://fondationlafrancesengage.org/"
    )
    record = ProjectRecord(
        title="La Cravate Solidaire",
        source_id="22ae7458-3f1e-52fe-9982-6b1287bf30d2",
        source_url="https://fondationlafrancesengage.org/projets/la-cravate-solidaire/",
        summary="Collecte de tenues professionnelles pour faciliter le retour à l'emploi.",
        description="La Cravate Solidaire collecte des tenues professionnelles.",
        structure_name="La Cravate Solidaire",
        structure_kind="association",
        website="https://lacravatesolidaire.org/",
        postal_code="28700",
        city="Auneau-Bleury-Saint-Symphorien",
        insee_code="28015",
        latitude=48.46,
        longitude=1.77,
        codes=["EMP", "INS"],
        tags=["Emploi"],
    )
    project = services.upsert_project(record, source_key="ffe", partner=partner).page
    project.coup_de_coeur = True
    project.save_revision().publish()
    return tree, project


def test_home_page_card_shows_badge_place_and_source(page, catalogue_site):
    _, project = catalogue_site
    page.goto("/")
    card = page.locator(".project-card", has_text="La Cravate Solidaire")
    assert card.locator(".badge--heart").inner_text().strip().endswith("Coup de cœur")
    place = card.locator(".card__meta").inner_text()
    assert "Auneau-Bleury-Saint-Symphorien (Eure-et-Loir)" in place
    source = card.locator(".card__source")
    assert "Projet référencé par La France s'engage" in " ".join(source.inner_text().split())
    assert (
        source.get_by_role("link")
        .get_attribute("href")
        .startswith("https://fondationlafrancesengage.org/projets/")
    )
    # The title link covers the card: a click on the summary text opens the project.
    card.scroll_into_view_if_needed()
    box = card.locator(".card__summary").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**{project.url}")
    assert page.get_by_role("heading", level=1).inner_text() == "La Cravate Solidaire"


@pytest.mark.parametrize("path", ["/", "/projets/la-cravate-solidaire/", "/partenaires/"])
@pytest.mark.parametrize("width", [375, 1280])
def test_pages_have_no_serious_accessibility_violations(page, axe, catalogue_site, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(path)
    assert response.status == 200
    violations = axe(page)
    assert violations == [], describe_violations(violations)
    assert page.errors == []
