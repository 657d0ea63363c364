"""`load_sample_data`: the real records of shared/data/ become a clean, living site."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from catalogue.models import (
    ArticlePage,
    HomePage,
    PartnerPage,
    ProjectPage,
    ProjectSource,
    StandardPage,
)

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"(?<![\w-])(null|NR|default|None)(?![\w-])")
CHECKED_FIELDS = (
    "title",
    "summary",
    "description",
    "website",
    "facebook_url",
    "twitter_url",
    "contact_email",
    "contact_phone",
    "structure_name",
    "address",
    "postal_code",
    "city",
    "insee_code",
)


def test_load_sample_data_builds_a_clean_site_and_is_idempotent():
    out = StringIO()
    call_command("load_sample_data", stdout=out, stderr=StringIO())
    report = out.getvalue()
    assert "Partners: 56" in report

    # Counts: 150 La France s'engage projects (303 rows, one per location), 180 Apriles records.
    assert ProjectSource.objects.filter(source_key="La France s'engage").count() == 150
    assert ProjectSource.objects.filter(source_key="Apriles").count() == 180
    assert ProjectPage.objects.live().count() == 330
    assert PartnerPage.objects.count() == 56
    assert PartnerPage.objects.live().count() == 50  # 6 "en attente" stay drafts
    assert HomePage.objects.count() == 1
    assert StandardPage.objects.filter(slug="a-propos").exists()
    assert ArticlePage.objects.live().exists()
    assert ProjectPage.objects.filter(coup_de_coeur=True).count() == 6

    # Every FFE project has a location; no raw placeholder anywhere in a page's fields.
    ffe = ProjectPage.objects.filter(sources__source_key="La France s'engage")
    assert ffe.filter(latitude__isnull=True).count() <= 9  # 9 rows have neither lat/long nor CP
    for page in ProjectPage.objects.all():
        for name in CHECKED_FIELDS:
            value = str(getattr(page, name) or "")
            assert not PLACEHOLDER.search(value), (page.title, name, value)
        for source in page.sources.all():
            assert source.source_url.startswith("http")

    # The coordinates that contradicted the postal code were corrected and explained.
    cravate = ProjectPage.objects.get(title="La Cravate Solidaire")
    assert cravate.postal_code == "28700"
    assert cravate.department_code == "28"
    assert 48.0 < cravate.latitude < 48.8  # not the Paris point of the source row
    assert "incohérentes" in cravate.location_note

    # Idempotent: a second run creates nothing and changes nothing.
    revisions = {p.pk: p.revisions.count() for p in ProjectPage.objects.all()}
    out = StringIO()
    call_command("load_sample_data", stdout=out, stderr=StringIO())
    assert "La France s'engage: unchanged 150" in out.getvalue()
    assert "Apriles: unchanged 180" in out.getvalue()
    assert ProjectPage.objects.count() == 330
    assert {p.pk: p.revisions.count() for p in ProjectPage.objects.all()} == revisions

    # Every page renders, with its source named and linked, and no placeholder in the HTML.
    client = Client()
    assert client.get("/").status_code == 200
    for page in ProjectPage.objects.live()[:40]:
        response = client.get(page.url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Projet référencé par" in html
        source = page.sources.first()
        assert f'href="{source.source_url}"' in html.replace("&amp;", "&")
        body = html.split('id="contenu"', 1)[1]
        assert not re.search(r">\s*(null|NR|default)\s*<", body)
