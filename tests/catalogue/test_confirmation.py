"""Freshness: when a project was last confirmed and by whom (catalogue.confirmation), as the
page, the search (filter, facet, sort), the API and the dumps show it; archived pages answer
410. The clock is moved by passing `now` (no time-travel library is pinned)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from catalogue import archive, confirmation, services
from catalogue.models import ChangeEvent, ProjectConfirmation, ProjectSearchEntry, ProjectSource
from catalogue.search import SearchQuery, execute

from .factories import ffe_record, make_project, other_record

pytestmark = pytest.mark.django_db

YEAR = timedelta(days=365)


@pytest.fixture
def tree():
    return services.ensure_site_tree()


def _fresh(value, **extra):
    query = SearchQuery.from_params({"fraicheur": value, **extra}, per_page=100)
    return {p.pk for p in execute(query).results}


def _records(n, start=0):
    return [
        ffe_record(title=f"Projet frais {i}", source_id=f"frais-{i}", codes=["EMP"])
        for i in range(start, start + n)
    ]


def test_a_harvested_page_is_confirmed_by_its_source(tree, client):
    seen = timezone.now() - timedelta(days=3)
    page = services.upsert_project(ffe_record(), source_key="ffe", seen_at=seen).page
    found = confirmation.confirmation_of(page)
    assert (found.at, found.by, found.source) == (seen, "source", "ffe")
    entry = ProjectSearchEntry.objects.get(page=page)
    assert entry.confirmed_at == seen
    assert _fresh("moins-1-an") == {page.pk}
    html = client.get(page.url).content.decode()
    assert 'data-confirmed-by="source"' in html and "par la source ffe" in html
    record = client.get("/api/projects").json()["results"][0]
    assert record["confirmed_by"] == "source" and record["to_verify"] is False
    assert record["confirmed_at"].startswith(seen.date().isoformat())


def test_seen_unchanged_in_bulk_confirms_again_without_a_query_per_record(tree):
    first = timezone.now() - 2 * YEAR - timedelta(days=5)
    list(services.upsert_projects_bulk(_records(5), source_key="ffe", seen_at=first))
    list(services.upsert_projects_bulk(_records(20, 5), source_key="ffe", seen_at=first))
    assert len(_fresh("plus-2-ans")) == 25 and not _fresh("moins-1-an")

    def queries(records, seen_at):
        with CaptureQueriesContext(connection) as captured:
            outcomes = list(
                services.upsert_projects_bulk(records, source_key="ffe", seen_at=seen_at)
            )
        assert {o.action for o in outcomes} == {"unchanged"}
        return len(captured)

    # The unchanged records seen again: the same number of queries for 5 as for 20 (their
    # buckets moved, so the entries are re-indexed, in one batch however many).
    later = timezone.now() - timedelta(days=1)
    small, large = queries(_records(5), later), queries(_records(20, 5), later)
    assert small == large
    assert len(_fresh("moins-1-an")) == 25
    assert set(ProjectSearchEntry.objects.values_list("confirmed_at", flat=True)) == {later}
    # Seen again the next day: nothing to re-index, the date moves by one UPDATE.
    assert queries(_records(20, 5), later + timedelta(hours=20)) <= large


def test_person_confirmations_and_the_clock(tree, client):
    long_ago = timezone.now() - 3 * YEAR
    page = services.upsert_project(ffe_record(), source_key="ffe", seen_at=long_ago).page
    other = services.upsert_project(other_record(), source_key="ffe", seen_at=long_ago).page
    assert _fresh("plus-2-ans") == {page.pk, other.pk}

    services.confirm_project(page, services.EDITOR)
    found = confirmation.confirmation_of(page)
    assert found.by == "editor"
    assert _fresh("moins-1-an") == {page.pk}
    assert "par l'équipe éditoriale" in client.get(page.url).content.decode()
    sorted_ids = [p.pk for p in execute(SearchQuery.from_params({"tri": "confirmed"})).results]
    assert sorted_ids == [page.pk, other.pk]
    counts = {i["value"]: i["count"] for i in execute(SearchQuery()).facets["fraicheur"]}
    assert counts == {"moins-1-an": 1, "plus-2-ans": 1}

    # A year and a day later the daily job moves it to "1-2 ans", then "plus de 2 ans".
    now = timezone.now()
    assert confirmation.age_index(now) == 0
    assert confirmation.age_index(now + YEAR + timedelta(days=1)) == 1
    assert _fresh("1-2-ans") == {page.pk}
    assert confirmation.age_index(now + 2 * YEAR + timedelta(days=1)) == 1
    assert _fresh("plus-2-ans") == {page.pk, other.pk}

    # A source seeing the other page again is a newer confirmation than the editors'.
    services.upsert_project(other_record(), source_key="ffe")
    assert confirmation.confirmation_of(other).by == "source"
    assert _fresh("moins-1-an") == {other.pk}


def test_private_and_unpublished_never_leak_through_the_freshness_filter(tree, client):
    public = make_project()
    private = make_project(other_record())
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    draft = make_project(ffe_record(title="Brouillon", source_id="brouillon"))
    draft.unpublish()
    services.confirm_project(private, services.EDITOR)
    services.confirm_project(draft, services.EDITOR)
    for value in confirmation.VALUES:
        assert _fresh(value) <= {public.pk}
        ids = {r["id"] for r in client.get(f"/api/projects?fraicheur={value}").json()["results"]}
        assert ids <= {public.pk}
    ids = [r["id"] for r in client.get("/api/projects?tri=confirmed").json()["results"]]
    assert ids == [public.pk]
    points = client.get("/api/map?fraicheur=moins-1-an").json()["points"]
    assert [point[0] for point in points] == [public.pk]


def test_openapi_describes_the_freshness_fields_filter_and_sort(tree, client):
    schema = client.get("/api/openapi.json").json()
    props = schema["components"]["schemas"]["Project"]["properties"]
    assert {"confirmed_at", "confirmed_by", "to_verify"} <= set(props)
    text = str(schema)
    assert "fraicheur" in text and "confirmed" in text and "moins-1-an" in text


def _unlisted_for(source_key, runs):
    for _ in range(runs):
        services.mark_unlisted(source_key, set(), threshold=1)


def test_unlisted_for_n_runs_is_archived_answers_410_and_comes_back(tree, client, settings):
    settings.FRESHNESS_ARCHIVE_AFTER_RUNS = 3
    gone = make_project()
    neighbour = make_project(other_record(codes=["EMP"]), source_key="autre")
    kept = services.upsert_project(
        ffe_record(title="Gardé", source_id="garde"), source_key="autre"
    ).page
    _unlisted_for("ffe", 2)
    gone.refresh_from_db()
    assert gone.live  # labelled "plus référencé", not archived yet
    assert "plus référencé" in client.get(gone.url).content.decode()
    _unlisted_for("ffe", 1)
    gone.refresh_from_db()
    assert not gone.live and archive.is_archived(gone)
    assert kept.live
    assert ChangeEvent.objects.get(page_id=gone.pk, current=True).kind == "archived"
    response = client.get(gone.url)
    assert response.status_code == 410
    html = response.content.decode()
    assert "archivée" in html and neighbour.url in html  # similar projects, linked
    assert gone.pk not in {r["id"] for r in client.get("/api/projects").json()["results"]}
    assert client.get("/projets/pas-une-fiche/").status_code == 404

    # Listed again by its source: published, 200, no longer archived.
    services.upsert_project(ffe_record(), source_key="ffe")
    gone.refresh_from_db()
    assert gone.live and not archive.is_archived(gone)
    assert client.get(gone.url).status_code == 200
    assert ProjectSource.objects.get(project=gone).missed_runs == 0


def test_a_person_confirmed_or_private_page_is_not_archived(tree, client, settings):
    settings.FRESHNESS_ARCHIVE_AFTER_RUNS = 1
    confirmed = make_project()
    services.confirm_project(confirmed, services.EDITOR)
    private = make_project(other_record())
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    _unlisted_for("ffe", 2)
    assert not ProjectConfirmation.objects.filter(archived_at__isnull=False).exists()
    confirmed.refresh_from_db()
    assert confirmed.live


def test_an_editor_restores_an_archived_page(tree, client, settings, django_user_model):
    settings.FRESHNESS_ARCHIVE_AFTER_RUNS = 1
    page = make_project()
    _unlisted_for("ffe", 1)
    page.refresh_from_db()
    assert not page.live
    editor = django_user_model.objects.create_superuser("chef", "chef@carrefour.example", "x")
    client.force_login(editor)
    queue = client.get("/admin/fraicheur/").content.decode()
    assert f'data-archived="{page.pk}"' in queue
    response = client.post("/admin/fraicheur/", {"page": page.pk, "action": "restore"})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live and not archive.is_archived(page)
    assert confirmation.confirmation_of(page).by == "editor"
    # Each page of the admin's listing has "Confirmer à jour", opening the queue on it.
    listing = client.get(f"/admin/pages/{tree.projects.pk}/").content.decode()
    assert f"/admin/fraicheur/?page={page.pk}" in listing
    assert "Confirmer à jour" in client.get(f"/admin/fraicheur/?page={page.pk}").content.decode()
    # Restored by an editor, it is not archived again by the next run.
    _unlisted_for("ffe", 1)
    page.refresh_from_db()
    assert page.live
    client.logout()
    assert client.get("/admin/fraicheur/").status_code in (302, 403)


def test_entries_indexed_before_freshness_get_it_from_the_next_harvest(tree):
    """An upgrade: entries written before freshness existed have no bucket; the next run that
    sees their records unchanged ages them (check_catalogue stays clean after `make run`)."""
    from catalogue.consistency import check_search_index
    from catalogue.models import ProjectFacetValue

    seen = timezone.now() - timedelta(days=2)
    list(services.upsert_projects_bulk(_records(4), source_key="ffe", seen_at=seen))
    ProjectFacetValue.objects.filter(facet=confirmation.FACET).delete()  # as before 0017
    assert check_search_index().problems and not _fresh("moins-1-an")
    later = timezone.now() - timedelta(hours=1)
    outcomes = list(services.upsert_projects_bulk(_records(4), source_key="ffe", seen_at=later))
    assert {o.action for o in outcomes} == {"unchanged"}
    assert len(_fresh("moins-1-an")) == 4
    assert check_search_index().problems == []
