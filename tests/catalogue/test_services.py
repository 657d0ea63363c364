"""The one write path: creation, in-place updates, curated fields, provenance, unlisting."""

import pytest

from catalogue import services
from catalogue.models import CuratedField, ProjectPage, ProjectSource
from catalogue.records import Distinction, ProjectRecord
from catalogue.richtext import editor_html

pytestmark = pytest.mark.django_db


def cravate(**overrides):
    """A real laureate record (ffe-laureates.csv, ID CIS 1)."""
    values = dict(
        title="La Cravate Solidaire",
        source_id="22ae7458-3f1e-52fe-9982-6b1287bf30d2",
        summary="Collecte de tenues professionnelles pour faciliter le retour à l'emploi.",
        description="La Cravate Solidaire collecte des tenues professionnelles.\n\nSeconde ligne.",
        structure_name="La Cravate Solidaire",
        website="https://lacravatesolidaire.org/",
        social_links={"facebook": "https://www.facebook.com/lacravatesolidaire/"},
        postal_code="28700",
        city="Auneau-Bleury-Saint-Symphorien",
        insee_code="28015",
        latitude=48.46,
        longitude=1.77,
        codes=["EMP", "INS", "XXX"],
        tags=["Emploi"],
        raw_tags=["EMP", "SOL"],
        distinctions=[Distinction("Lauréat La France s'engage", 2014)],
    )
    values.update(overrides)
    return ProjectRecord(**values)


def test_create_builds_published_page_with_provenance(site_tree):
    partner = services.upsert_partner(
        "La France s'engage", website="https://fondationlafrancesengage.org/"
    )
    result = services.upsert_project(cravate(), source_key="ffe", partner=partner)
    assert result.action == "created"
    page = ProjectPage.objects.get(pk=result.page.pk)
    assert page.live and page.url_path.endswith("/projets/la-cravate-solidaire/")
    assert page.revisions.count() == 1
    # Stored as Wagtail's editor stores it (block keys included): see test_richtext.py.
    assert page.description == editor_html(
        "<p>La Cravate Solidaire collecte des tenues professionnelles.</p><p>Seconde ligne.</p>"
    )
    assert 'data-block-key="' in page.description
    assert page.facebook_url == "https://www.facebook.com/lacravatesolidaire/"
    assert sorted(c.code for c in page.codes.all()) == ["EMP", "INS"]  # unknown XXX ignored
    assert [d.year for d in page.distinctions.all()] == [2014]
    assert page.location == "SRID=4326;POINT(1.77 48.46)"
    # Department and region follow from the INSEE code.
    assert (page.department_code, page.region_name) == ("28", "Centre-Val de Loire")
    source = page.sources.get()
    assert source.partner == partner and source.still_listed and source.content_hash


def test_second_identical_run_changes_nothing(site_tree):
    first = services.upsert_project(cravate(), source_key="ffe")
    again = services.upsert_project(cravate(), source_key="ffe")
    assert again.action == "unchanged"
    assert again.page.pk == first.page.pk
    assert ProjectPage.objects.count() == 1
    assert first.page.revisions.count() == 1


def test_upstream_change_updates_in_place_and_keeps_url(site_tree):
    first = services.upsert_project(cravate(), source_key="ffe")
    url = ProjectPage.objects.get(pk=first.page.pk).url
    result = services.upsert_project(
        cravate(title="La Cravate Solidaire (nouveau nom)", summary="Nouveau résumé."),
        source_key="ffe",
    )
    assert result.action == "updated"
    page = ProjectPage.objects.get(pk=first.page.pk)
    assert page.title == "La Cravate Solidaire (nouveau nom)"
    assert page.summary == "Nouveau résumé."
    assert page.url == url
    assert page.revisions.count() == 2


def test_curated_fields_survive_a_harvest(site_tree):
    page = services.upsert_project(cravate(), source_key="ffe").page
    page.summary = "Résumé rédigé par le porteur."
    page.save_revision().publish()
    services.mark_curated(page, ["summary"], by=CuratedField.By.HOLDER)
    result = services.upsert_project(
        cravate(summary="Résumé de la source modifié", structure_name="Nouvelle structure"),
        source_key="ffe",
    )
    page.refresh_from_db()
    assert page.summary == "Résumé rédigé par le porteur."
    assert page.structure_name == "Nouvelle structure"
    assert result.kept_curated == ["summary"]


def test_update_key_falls_back_to_source_url(site_tree):
    record = cravate(source_id="", source_url="https://www.apriles.net/fiche/1637")
    first = services.upsert_project(record, source_key="apriles")
    second = services.upsert_project(
        cravate(source_id="", source_url="https://www.apriles.net/fiche/1637", summary="changé"),
        source_key="apriles",
    )
    assert second.page.pk == first.page.pk


def test_record_without_title_is_refused(site_tree):
    with pytest.raises(services.ServiceError):
        services.upsert_project(ProjectRecord(title="  "), source_key="ffe")
    assert ProjectPage.objects.count() == 0


def test_unlisted_after_consecutive_misses_then_restored(site_tree):
    page = services.upsert_project(cravate(), source_key="ffe").page
    assert services.mark_unlisted("ffe", set(), threshold=2, unpublish=True) == 0
    assert services.mark_unlisted("ffe", set(), threshold=2, unpublish=True) == 1
    page.refresh_from_db()
    assert not page.live
    assert ProjectPage.objects.filter(pk=page.pk).exists()  # never deleted
    assert not ProjectSource.objects.get(project=page).still_listed
    result = services.upsert_project(cravate(), source_key="ffe")
    page.refresh_from_db()
    assert page.live and result.action == "updated"
    assert ProjectSource.objects.get(project=page).still_listed


def test_second_source_adds_provenance_to_the_same_page(site_tree):
    page = services.upsert_project(cravate(), source_key="ffe").page
    services.add_source(
        page, cravate(source_id="x1", source_url="https://www.avise.org/x1"), source_key="avise"
    )
    assert sorted(page.sources.values_list("source_key", flat=True)) == ["avise", "ffe"]


def test_site_tree_is_idempotent(db):
    first = services.ensure_site_tree()
    second = services.ensure_site_tree()
    assert first.home.pk == second.home.pk
    assert first.projects.pk == second.projects.pk
    assert first.projects.url == "/projets/"
