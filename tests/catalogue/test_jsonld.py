"""schema.org JSON-LD on project pages: valid against schema.org's terms, safe against
hostile harvested text."""

import json
import re

import pytest
from django.test import Client

from catalogue import jsonld, services
from catalogue.records import ProjectRecord
from tests.catalogue.factories import ProjectPageFactory
from tests.catalogue.schemaorg import validate

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _blocks(html: str) -> list[str]:
    return SCRIPT.findall(html)


@pytest.fixture
def project(site_tree):
    partner = services.upsert_partner("APRILES", website="https://www.apriles.net/")
    record = ProjectRecord(
        title="Accorderie de Pau",
        source_id="1600",
        source_url="https://www.apriles.net/index.php?sobi2Id=1600",
        summary="Un système d'échange de services entre habitants.",
        structure_name="Association Accorderie de Pau",
        address="12 rue Carnot",
        postal_code="64000",
        city="Pau",
        website="https://www.accorderie.fr/pau/",
        start_year=2012,
        codes=["COH"],
        tags=["échange"],
    )
    return services.upsert_project(record, source_key="Apriles", partner=partner).page


def test_project_page_json_ld_is_valid_schema_org(project):
    response = Client().get(project.url)
    assert response.status_code == 200
    blocks = _blocks(response.content.decode())
    assert len(blocks) == 1
    document = json.loads(blocks[0])
    problems, types = validate(document)
    assert problems == []
    assert {
        "WebPage",
        "Project",
        "Organization",
        "Place",
        "PostalAddress",
        "GeoCoordinates",
    } <= set(types)
    entity = document["mainEntity"]
    assert document["url"].endswith(project.url)
    assert entity["name"] == "Accorderie de Pau"
    assert entity["parentOrganization"]["name"] == "Association Accorderie de Pau"
    assert entity["location"]["address"]["postalCode"] == "64000"
    geo = entity["location"]["geo"]
    assert (geo["latitude"], geo["longitude"]) == (project.latitude, project.longitude)
    assert geo["latitude"] is not None  # placed by the gazetteer
    assert "Cohésion sociale" in entity["keywords"] and "échange" in entity["keywords"]
    assert entity["foundingDate"] == "2012"
    (source,) = document["isBasedOn"]
    assert source["url"] == "https://www.apriles.net/index.php?sobi2Id=1600"
    assert source["publisher"]["name"] == "APRILES"


def test_validator_rejects_wrong_terms():
    """The checker itself: a property outside its domain, an unknown class, a bad literal."""
    problems, _ = validate(
        {
            "@context": "https://schema.org",
            "@type": "Project",
            "isBasedOn": "https://example.org/",  # CreativeWork only
            "location": {"@type": "Plaice"},
            "foundingDate": "last year",
        }
    )
    assert any("isBasedOn is not a property" in p for p in problems)
    assert any("unknown class Plaice" in p for p in problems)
    assert any("foundingDate" in p for p in problems)


def test_hostile_text_cannot_close_the_data_block(site_tree):
    hostile = 'Projet </script><script>alert(1)</script> <!-- & "quotes" \u2028'
    page = ProjectPageFactory(
        parent=site_tree.projects, title=hostile, summary=hostile, structure_name="</SCRIPT >"
    )
    html = Client().get(page.url).content.decode()
    (block,) = _blocks(html)
    assert "<" not in block and ">" not in block and "\u2028" not in block
    document = json.loads(block)
    assert document["mainEntity"]["name"] == hostile  # escaped, not altered
    assert document["mainEntity"]["parentOrganization"]["name"] == "</SCRIPT >"
    assert "<script>alert(1)" not in html
    assert jsonld.extract(html) == [document]


def test_page_without_place_or_source_stays_valid(site_tree):
    page = ProjectPageFactory(
        parent=site_tree.projects,
        title="Sans lieu",
        summary="",
        structure_name="",
        postal_code="",
        city="",
        insee_code="",
        latitude=None,
        longitude=None,
    )
    (block,) = _blocks(Client().get(page.url).content.decode())
    document = json.loads(block)
    assert "location" not in document["mainEntity"]
    assert "isBasedOn" not in document
    assert validate(document)[0] == []
