"""Provenance per field: the project page says which partner (and when), the holder or the
editorial team supplied each field, for a page listed by several partners too."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from catalogue import services
from catalogue.models import ProjectPage, ProjectSource
from catalogue.origins import field_origins
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db


def _record(source_id, summary, source_url, **values):
    return ProjectRecord(
        title="Accorderie de Pau",
        source_id=source_id,
        summary=summary,
        website="https://accorderie-pau.example/",
        source_url=source_url,
        postal_code="64000",
        city="Pau",
        codes=["INS"],
        **values,
    )


@pytest.fixture
def listed_twice(site_tree):
    apriles = services.upsert_partner("APRILES")
    ffe = services.upsert_partner("La France s'engage")
    page = services.upsert_project(
        _record("1637", "Résumé d'Apriles.", "https://www.apriles.net/fiche/1637"),
        source_key="Apriles",
        partner=apriles,
    ).page
    services.add_source(
        page,
        _record(
            "ffe-1",
            "Résumé de La France s'engage.",
            "https://ffe.example/laureats/1",
            structure_name="Accorderie du Béarn",
        ),
        source_key="ffe",
        partner=ffe,
    )
    holder = get_user_model().objects.create_user("porteuse", "porteuse@example.org", "pw")
    services.apply_holder_edit(
        ProjectPage.objects.get(pk=page.pk),
        holder,
        {"contact_phone": "05 59 00 00 00"},
        publish=True,
    )
    return ProjectPage.objects.get(pk=page.pk), apriles, ffe


def _suppliers(origins):
    return {origin.name: [s.name for s in origin.suppliers] for origin in origins}


def test_each_field_says_who_supplied_it(listed_twice, django_assert_max_num_queries):
    page, apriles, ffe = listed_twice
    sources = page.provenance
    with django_assert_max_num_queries(
        3
    ):  # curated marks, codes (+ partner pages): never per field
        origins = field_origins(page, sources)
    got = _suppliers(origins)
    assert got["summary"] == ["APRILES"]  # the page's summary is Apriles's, not FFE's
    assert got["website"] == ["APRILES", "La France s'engage"]  # both propose it
    assert got["codes"] == ["APRILES", "La France s'engage"]
    assert got["contact_phone"] == ["porteur du projet"]
    assert "structure_name" not in got  # FFE proposes one, the page has none


def test_the_page_shows_the_section_with_links_to_each_original(listed_twice):
    page, _apriles, _ffe = listed_twice
    html = Client().get(page.url).content.decode()
    assert "Provenance des informations" in html
    section = html[html.index('class="field-origins"') :]
    section = section[: section.index("</section>")]
    assert "https://www.apriles.net/fiche/1637" in section
    assert "https://ffe.example/laureats/1" in section
    summary_row = re.search(r'<tr data-field="summary">(.*?)</tr>', section, re.S).group(1)
    assert "APRILES" in summary_row and "France" not in summary_row
    phone_row = re.search(r'<tr data-field="contact_phone">(.*?)</tr>', section, re.S).group(1)
    assert "porteur du projet" in phone_row and "modifié le" in phone_row
    assert "porteuse" not in section  # a role, never a person


def test_a_harvest_update_moves_the_field_to_the_source_that_changed_it(listed_twice):
    page, _apriles, ffe = listed_twice
    services.upsert_project(
        _record("ffe-1", "Nouveau résumé de La France s'engage.", "https://ffe.example/laureats/1"),
        source_key="ffe",
        partner=ffe,
    )
    page = ProjectPage.objects.get(pk=page.pk)
    assert page.summary == "Nouveau résumé de La France s'engage."
    got = _suppliers(field_origins(page))
    assert got["summary"] == ["La France s'engage"]
    assert got["website"] == ["APRILES", "La France s'engage"]


def test_bulk_created_pages_record_what_their_source_proposed(site_tree):
    partner = services.upsert_partner("PiNG")
    records = [
        ProjectRecord(
            title=f"Tiers-lieu {n}",
            source_id=f"ping-{n}",
            summary="Un lieu.",
            postal_code="44000",
            city="Nantes",
        )
        for n in range(3)
    ]
    outcomes = list(
        services.upsert_projects_bulk(records, source_key="PiNG", partner=partner, batch_size=3)
    )
    assert {o.action for o in outcomes} == {"created"}
    source = ProjectSource.objects.get(source_key="PiNG", source_id="ping-1")
    assert {"title", "summary", "postal_code", "city"} <= set(source.fields)
    page = ProjectPage.objects.get(pk=source.project_id)
    assert _suppliers(field_origins(page))["summary"] == ["PiNG"]
