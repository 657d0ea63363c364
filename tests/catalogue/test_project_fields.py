"""Each project field is declared once (catalogue/project_fields.py): every place that lists
fields shows each one as its declaration says (the write path, the holder's form, the open-data
API and exports, the search index and its facets)."""

from __future__ import annotations

import dataclasses

import pytest

from catalogue import project_fields as pf
from catalogue import services
from catalogue.api.serializers import UrlBuilder, csv_header, serialise_batch
from catalogue.models import ProjectPage, ProjectSearchEntry
from catalogue.records import ProjectRecord
from catalogue.search.query import FACETS
from community.holder_forms import HolderEditForm

PAGE_FIELDS = {f.name for f in ProjectPage._meta.get_fields()}
RECORD_FIELDS = {f.name for f in dataclasses.fields(ProjectRecord)}
STORED = [f for f in pf.PROJECT_FIELDS if f.kind != pf.COMPUTED]


def test_declarations_name_real_fields_and_agree_with_each_other():
    assert len(pf.BY_NAME) == len(pf.PROJECT_FIELDS), "a field declared twice"
    for field in STORED:
        assert field.attname in PAGE_FIELDS | {"pk", "url_path", "image_id"}, field
    for field in pf.PROJECT_FIELDS:
        assert not field.holder or field.curatable, f"{field.name}: holder edits curate"
        assert not field.record or field.name in RECORD_FIELDS, field.name
        assert not field.facet or field.facet in FACETS, field.name
        assert not field.indexed or field.attname in {
            f.attname for f in ProjectSearchEntry._meta.concrete_fields
        }, field.name
    assert len(set(pf.API_FIELDS)) == len(pf.API_FIELDS)


def test_the_holder_form_offers_every_holder_field():
    form = HolderEditForm()
    assert set(pf.HOLDER_FIELDS) == set(form.fields)
    assert set(HolderEditForm.FIELDS) == set(pf.HOLDER_FIELDS) - {"image"}
    assert set(services.HOLDER_FIELDS) == set(pf.HOLDER_FIELDS)


def _full_record() -> ProjectRecord:
    return ProjectRecord(
        title="Jardin partagé des Lilas",
        source_id="lilas-1",
        source_url="https://partenaire.example/lilas",
        summary="Un jardin cultivé par les habitants.",
        description="Des parcelles, un compost, des ateliers.",
        website="https://jardin-lilas.example/",
        social_links={key: f"https://{key}.example/lilas" for key in pf.SOCIAL_FIELDS},
        contact_email="contact@jardin-lilas.example",
        contact_phone="01 02 03 04 05",
        structure_name="Association Les Lilas",
        structure_kind="association",
        start_year=2015,
        stage="developpement",
        scale="quartier",
        address="3 rue des Lilas",
        postal_code="35000",
        city="Rennes",
        insee_code="35238",
        latitude=48.11,
        longitude=-1.68,
        location_note="Placé à l'adresse.",
        codes=["AGR"],
        tags=["jardin"],
    )


@pytest.mark.django_db
def test_a_project_shows_each_declared_field_where_declared(site_tree):
    record = _full_record()
    page = services.upsert_project(record, source_key="Lilas").page
    page = ProjectPage.objects.get(pk=page.pk)
    # Every field a record proposes reaches the page.
    for name in pf.PLAIN_FIELDS:
        assert getattr(page, name) == getattr(record, name), name
    for key, name in pf.SOCIAL_FIELDS.items():
        assert getattr(page, name) == record.social_links[key], name

    # The open-data record: the declared public fields, in the declared order.
    (data,) = serialise_batch([page.pk], UrlBuilder())
    assert tuple(data) == pf.API_FIELDS
    assert csv_header()[: pf.API_FIELDS.index("sources")] == list(
        pf.API_FIELDS[: pf.API_FIELDS.index("sources")]
    )
    for field in pf.PUBLIC_FIELDS:
        computed = field.name in ("url", "description") or "published" in field.name
        if field.kind == pf.COLUMN and not computed:
            expected = page.pk if field.attname == "pk" else getattr(page, field.attname)
            assert data[field.public] == expected, field.public
    assert data["codes"] == ["AGR"] and data["tags"] == ["jardin"]
    # The description as text and as sanitised HTML.
    assert data["description"] == "Des parcelles, un compost, des ateliers."
    assert data["description_html"] == "<p>Des parcelles, un compost, des ateliers.</p>"
    # Fields not declared public stay out of the open data.
    assert "contact_email" not in data and "contact_phone" not in data

    # The search index entry copies each indexed column; page columns feed their facets.
    entry = ProjectSearchEntry.objects.get(page=page)
    for column in pf.INDEXED_COLUMNS:
        assert getattr(entry, column) == getattr(page, column), column
    facets = set(entry.facet_values.values_list("facet", "value"))
    for column, facet in pf.PAGE_FACETS:
        value = getattr(page, column)
        if value:
            assert (facet, "1" if value is True else value) in facets, facet


@pytest.mark.django_db
def test_every_curatable_field_is_kept_from_harvests_once_curated(site_tree):
    page = services.upsert_project(_full_record(), source_key="Lilas").page
    services.mark_curated(page, pf.CURATABLE_FIELDS, by="editor")
    assert services.curated_field_names(page) == set(pf.CURATABLE_FIELDS)
    changed = dataclasses.replace(
        _full_record(), summary="Autre résumé.", city="Nantes", start_year=2001
    )
    result = services.upsert_project(changed, source_key="Lilas")
    assert set(result.kept_curated) == {"summary", "city", "start_year"}
    page = ProjectPage.objects.get(pk=page.pk)
    assert (page.summary, page.city, page.start_year) == (
        "Un jardin cultivé par les habitants.",
        "Rennes",
        2015,
    )
