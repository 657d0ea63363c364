"""In a real browser: the public-body pages pass axe and are linked from the footer, facet
labels on two lines keep their checkbox whole and aligned, the guided search's breadcrumb."""

import pytest

from catalogue import services
from catalogue.models import TaxonomyGroup
from catalogue.records import ProjectRecord
from tests.browser import describe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_legal_pages_facets_and_guide_breadcrumb(page, axe, live_server, settings):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    settings.MAP_TILE_URL = ""  # offline: tiles would only log network errors
    tree = services.ensure_site_tree()
    services.ensure_public_body_pages(tree.home)
    # A real laureate in "Développement économique", a facet label that wraps in the sidebar.
    long_group = TaxonomyGroup.objects.get(name="Développement économique")
    services.upsert_project(
        ProjectRecord(
            title="La Cravate Solidaire",
            source_id="22ae7458-3f1e-52fe-9982-6b1287bf30d2",
            postal_code="28700",
            city="Auneau-Bleury-Saint-Symphorien",
            codes=[long_group.codes.first().code, "INS"],
        ),
        source_key="ffe",
    )

    for path in ("/mentions-legales/", "/accessibilite/", "/politique-de-confidentialite/"):
        page.goto(path)
        violations = axe(page)
        assert violations == [], describe_violations(violations)
        footer = page.locator(".site-footer__links--legal")
        assert footer.get_by_role("link", name="Accessibilité : partiellement conforme").count()
    page.goto("/accessibilite/")
    page.locator(".site-footer").get_by_role("link", name="Politique de confidentialité").click()
    page.wait_for_url("**/politique-de-confidentialite/")
    assert page.get_by_role("heading", name="Vos droits").count() == 1

    page.goto("/projets/")
    boxes = page.locator(".facets__list li").evaluate_all(
        """items => items.map(li => {
            const box = li.querySelector('input[type=checkbox]').getBoundingClientRect();
            const label = li.querySelector('label');
            const line = parseFloat(getComputedStyle(label).lineHeight);
            const rect = label.getBoundingClientRect();
            return {w: box.width, h: box.height, boxTop: box.top, labelTop: rect.top,
                    lines: Math.round(rect.height / line), left: rect.left - box.right};
        })"""
    )
    assert any(b["lines"] >= 2 for b in boxes), boxes  # a label does wrap at 1280 px
    assert len({round(b["w"], 1) for b in boxes}) == 1, boxes  # no checkbox squeezed
    assert len({round(b["left"], 1) for b in boxes}) == 1, boxes  # labels start in one column
    for b in boxes:  # each box sits on its label's first line
        assert b["labelTop"] - 2 <= b["boxTop"] <= b["labelTop"] + b["h"], b

    page.goto("/projets/guide/")
    crumbs = page.locator(".breadcrumbs li").all_inner_texts()
    assert [c.strip() for c in crumbs] == ["Accueil", "Projets", "Recherche guidée"]
    assert page.locator('.breadcrumbs [aria-current="page"]').inner_text() == "Recherche guidée"
    assert page.errors == [], missing
