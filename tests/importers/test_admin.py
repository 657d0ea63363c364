"""The harvest screens of the Wagtail admin, against the real mock site on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.contrib.redirects.models import Redirect

from catalogue import services
from catalogue.models import ProjectPage
from catalogue.records import ProjectRecord
from importers.models import DuplicateCandidate, HarvestRun, Source, TagMapping, UnknownTag

from . import factories
from .harvesting import FAST, database_url


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(user)
    return client


def apriles_source(local_site, openscraper, **changes) -> Source:
    return factories.apriles_source(openscraper, [local_site.url("index.html")], **changes)


@pytest.mark.django_db
def test_sources_listing_edit_form_and_french_validation(admin_client, local_site, openscraper):
    source = apriles_source(local_site, openscraper)
    listing = admin_client.get(reverse("wagtailsnippets_importers_source:list"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Apriles" in html and "jamais collectée" in html
    assert reverse("importers_source_preview", args=[source.pk]) in html

    edit_url = reverse("wagtailsnippets_importers_source:edit", args=[source.pk])
    form = admin_client.get(edit_url)
    assert form.status_code == 200 and "sobi2Listing" in form.content.decode()
    data = {
        "name": "Apriles",
        "kind": "html",
        "normaliser": "apriles",
        "enabled": "on",
        "schedule": "0 3 * * 1",
        "download_delay": "1",
        "concurrency": "2",
        "download_timeout": "30",
        "obey_robots": "on",
        "max_pages": "0",
        "max_items": "0",
        "unlisted_after": "2",
        "licence": "",
        "spider_class": "",
        "mapping_label": "ODAS - APRILES",
    }
    broken = admin_client.post(edit_url, {**data, "config": '{"start_urls": ['})
    assert "JSON invalide" in broken.content.decode()
    incomplete = {**source.config, "item_selector": ""}
    response = admin_client.post(edit_url, {**data, "config": json.dumps(incomplete)})
    assert "Aucun sélecteur d&#x27;éléments" in response.content.decode()
    bad_cron = admin_client.post(
        edit_url, {**data, "schedule": "tous les lundis", "config": json.dumps(source.config)}
    )
    assert "Expression cron invalide" in bad_cron.content.decode()
    ok = admin_client.post(
        edit_url, {**data, "schedule": "15 4 * * 2", "config": json.dumps(source.config)}
    )
    assert ok.status_code == 302
    source.refresh_from_db()
    assert source.schedule == "15 4 * * 2"


@pytest.mark.django_db
def test_preview_shows_raw_and_normalised_values_and_saves_nothing(
    admin_client, local_site, openscraper, apriles_expected
):
    services.ensure_site_tree()
    source = apriles_source(local_site, openscraper)
    response = admin_client.get(reverse("importers_source_preview", args=[source.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    first = apriles_expected["items"]["fiches/1637.html"]["fields"]
    assert html.count('class="preview-item"') == 5
    assert first["titre du projet"][0].replace("’", "&#x27;") in html or "Accompagnement" in html
    assert "fiche lue" in html  # the first detail page was fetched
    assert "Fiche normalisée" in html and "89257" in html  # Migennes, geocoded offline
    assert "item_selector —" not in html and "follow_selector —" not in html
    assert ProjectPage.objects.count() == 0 and HarvestRun.objects.count() == 0

    redesigned = apriles_source(
        local_site,
        openscraper,
        name="Apriles refonte",
        item_selector='//table[@class="cards"]/tr',
    )
    html = admin_client.get(
        reverse("importers_source_preview", args=[redesigned.pk])
    ).content.decode()
    assert "Sélecteurs qui ne trouvent rien" in html and "item_selector" in html
    assert "n&#x27;a rien trouvé" in html


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_now_enqueues_a_harvest_in_its_own_process(
    admin_client, local_site, openscraper, monkeypatch
):
    services.ensure_site_tree()
    source = apriles_source(local_site, openscraper)
    monkeypatch.setenv("DATABASE_URL", database_url())
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "carrefour.settings.test")
    monkeypatch.setenv("HARVEST_SCRAPY_OVERRIDES", json.dumps(FAST))
    # django-q2 runs synchronously in tests: the task spawns `manage.py harvest` and waits.
    response = admin_client.post(reverse("importers_source_run", args=[source.pk]), {"limit": "3"})
    assert response.status_code == 302
    run = HarvestRun.objects.get(source=source)
    assert (run.trigger, run.status, run.seen, run.created) == ("admin", "success", 3, 3)
    assert not run.complete  # limited: absences do not count
    runs_page = admin_client.get(reverse("importers_source_runs", args=[source.pk]))
    assert "Lancer maintenant" in runs_page.content.decode()
    detail = admin_client.get(reverse("importers_run", args=[run.pk]))
    assert detail.status_code == 200 and "collecte partielle" in detail.content.decode()


@pytest.mark.django_db
def test_duplicate_queue_merge_and_keep_apart(admin_client):
    services.ensure_site_tree()

    def page(title, key, sid):
        record = ProjectRecord(title=title, source_id=sid, postal_code="75019", city="Paris")
        return services.upsert_project(record, source_key=key).page

    existing = page("Les coopératives jeunesse de services (CJS)", "La France s'engage", "1")
    harvested = page("Les coopératives jeunesse de services", "Apriles", "2")
    other = page("Coopérative de quartier", "Apriles", "3")
    merge = DuplicateCandidate.objects.create(
        project=harvested, existing=existing, score=0.7, reasons="titres proches"
    )
    apart = DuplicateCandidate.objects.create(
        project=other, existing=existing, score=0.56, reasons="titres proches"
    )
    queue = admin_client.get(reverse("importers_duplicates"))
    html = queue.content.decode()
    assert "Les coopératives jeunesse de services (CJS)" in html and "Fusionner" in html
    old_url = harvested.url
    admin_client.post(reverse("importers_duplicates"), {"candidate": merge.pk, "decision": "merge"})
    admin_client.post(reverse("importers_duplicates"), {"candidate": apart.pk, "decision": "apart"})
    merge.refresh_from_db()
    apart.refresh_from_db()
    assert (merge.status, apart.status) == ("merged", "apart")
    harvested.refresh_from_db()
    assert not harvested.live and ProjectPage.objects.filter(pk=harvested.pk).exists()
    assert sorted(existing.sources.values_list("source_key", flat=True)) == [
        "Apriles",
        "La France s'engage",
    ]
    assert Redirect.objects.get(old_path=Redirect.normalise_path(old_url)).redirect_page_id == (
        existing.pk
    )
    assert (
        other.live
        and "Aucun doublon" in admin_client.get(reverse("importers_duplicates")).content.decode()
    )


@pytest.mark.django_db
def test_unknown_tags_listed_with_a_prefilled_mapping_form(admin_client):
    source = Source.objects.create(
        name="Apriles", kind="csv", config={"url": "https://example.org/x.csv"}
    )
    assert source.mapping_label == "ODAS - APRILES"
    UnknownTag.objects.create(
        source=source, tag="Tiers-lieux", tag_key="tiers lieux", occurrences=4
    )
    UnknownTag.objects.create(source=source, tag="Education", tag_key="education", occurrences=9)
    html = admin_client.get(reverse("importers_unknown_tags")).content.decode()
    assert "Tiers-lieux" in html
    assert ">Education<" not in html  # already mapped by the seeded rules
    add = admin_client.get(
        reverse("wagtailsnippets_importers_tagmapping:add")
        + "?source_label=ODAS+-+APRILES&tag=Tiers-lieux"
    )
    assert 'value="Tiers-lieux"' in add.content.decode()
    assert TagMapping.objects.filter(source_label="ODAS - APRILES").count() >= 28


def test_a_rule_for_a_keyword_already_ruled_in_another_spelling_is_a_form_error(admin_client):
    """"Éducation" when "education" has a rule: the form says so (no IntegrityError, no 500)."""
    existing = TagMapping.objects.create(source_label="Partenaire X", tag="education")
    response = admin_client.post(
        reverse("wagtailsnippets_importers_tagmapping:add"),
        {"source_label": "Partenaire X", "tag": "ÉDUCATION"},
    )
    assert response.status_code == 200
    assert "Une règle existe déjà pour ce mot-clé" in response.content.decode()
    assert list(TagMapping.objects.filter(source_label="Partenaire X")) == [existing]
    # Editing the existing rule itself stays possible; another source may have the same keyword.
    edit = admin_client.post(
        reverse("wagtailsnippets_importers_tagmapping:edit", args=[existing.pk]),
        {"source_label": "Partenaire X", "tag": "Éducation"},
    )
    assert edit.status_code == 302
    other = admin_client.post(
        reverse("wagtailsnippets_importers_tagmapping:add"),
        {"source_label": "Partenaire Y", "tag": "Éducation"},
    )
    assert other.status_code == 302
    ours = TagMapping.objects.filter(source_label__startswith="Partenaire ")
    assert sorted(ours.values_list("source_label", "tag", "tag_key")) == [
        ("Partenaire X", "Éducation", "education"),
        ("Partenaire Y", "Éducation", "education"),
    ]
