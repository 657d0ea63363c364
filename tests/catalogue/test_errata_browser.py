"""In a real browser: a partner's errata page and a project's "Provenance des informations"
section pass axe (WCAG 2.1 A/AA), opened by keyboard."""

import pytest

from catalogue import services
from catalogue.models import FieldCorrection
from catalogue.records import ProjectRecord

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def corrected(live_server):
    host, port = live_server.url.removeprefix("http://").split(":")
    services.ensure_site_tree(hostname=host, port=int(port))
    partner = services.upsert_partner("APRILES", website="https://www.apriles.net/")
    page = services.upsert_project(
        ProjectRecord(
            title="Accorderie de Pau",
            source_id="1637",
            summary="Résumé de la source.",
            website="https://accorderie-pau.example/",
            source_url="https://www.apriles.net/fiche/1637",
            postal_code="64000",
            city="Pau",
        ),
        source_key="Apriles",
        partner=partner,
    ).page
    FieldCorrection.objects.create(
        project=page, field_name="summary", old_value="Résumé de la source.",
        new_value="Résumé corrigé.", by="holder",
    )  # fmt: skip
    return partner, page


def test_errata_page_and_provenance_section_pass_axe(page, axe, corrected):
    partner, project = corrected
    page.goto(f"/partenaires/{partner.slug}/corrections/")
    assert page.locator("table tbody tr").count() == 1
    assert "Résumé corrigé." in page.locator("table").inner_text()
    assert axe(page) == []

    page.goto(project.url)
    summary = page.locator(".field-origins summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator(".field-origins details").get_attribute("open") is not None
    assert "APRILES" in page.locator('.field-origins tr[data-field="summary"]').inner_text()
    assert axe(page) == []
    # (page.errors holds the map tiles, which cannot load offline)
