"""The page editor: provenance is shown, and an editor's edit protects the fields it changed."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from catalogue import services
from catalogue.models import CuratedField, ProjectPage
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(db):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def project(site_tree):
    partner = services.upsert_partner("APRILES")
    record = ProjectRecord(
        title="Accorderie de Pau",
        source_id="1637",
        summary="Résumé de la source.",
        source_url="https://www.apriles.net/fiche/1637",
        postal_code="64000",
        city="Pau",
        raw_tags=["Lien social"],
    )
    return services.upsert_project(record, source_key="Apriles", partner=partner).page


def edit_form(page, **changes):
    data = {
        "title": page.title,
        "slug": page.slug,
        "summary": page.summary,
        "description": rich_text(page.description or "<p></p>"),
        "website": "",
        "facebook_url": "",
        "twitter_url": "",
        "linkedin_url": "",
        "instagram_url": "",
        "youtube_url": "",
        "contact_email": "",
        "contact_phone": "",
        "structure_name": page.structure_name,
        "structure_kind": "",
        "start_year": "",
        "stage": "",
        "scale": "",
        "address": "",
        "postal_code": page.postal_code,
        "city": page.city,
        "insee_code": page.insee_code,
        "location": page.location,
        "location_note": page.location_note,
        "tags": "",
        "distinctions": inline_formset([]),
        "comment_notifications": "",
        "seo_title": "",
        "search_description": "",
    }
    data.update(changes)
    return nested_form_data(data)


def test_edit_page_shows_provenance(editor_client, project):
    response = editor_client.get(f"/admin/pages/{project.pk}/edit/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "https://www.apriles.net/fiche/1637" in html
    assert "Lien social" in html


def test_editor_edit_marks_changed_fields_curated_and_harvest_keeps_them(editor_client, project):
    response = editor_client.post(
        f"/admin/pages/{project.pk}/edit/",
        edit_form(project, summary="Résumé corrigé par la rédaction.", **{"action-publish": "1"}),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(
        CuratedField.objects.filter(project=project).values_list("field_name", "curated_by")
    ) == [("summary", "editor")]
    services.upsert_project(
        ProjectRecord(
            title="Accorderie de Pau",
            source_id="1637",
            summary="Nouveau résumé source.",
            structure_name="Accorderie",
            source_url="https://www.apriles.net/fiche/1637",
        ),
        source_key="Apriles",
    )
    page = ProjectPage.objects.get(pk=project.pk)
    assert page.summary == "Résumé corrigé par la rédaction."
    assert page.structure_name == "Accorderie"


def test_taxonomy_snippets_are_editable(editor_client):
    response = editor_client.get("/admin/snippets/catalogue/nomenclaturecode/")
    assert response.status_code == 200
    assert "Habitat" in response.content.decode()
