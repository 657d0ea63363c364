"""The change feed (/api/changes and its ActivityStreams form): written by the one write path,
replayed by a subscriber into the same catalogue, resumable, and leaking nothing private."""

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import PageViewRestriction

from catalogue import services
from catalogue.api.serializers import UrlBuilder, all_public_ids, serialise
from catalogue.changefeed import replay
from catalogue.models import ChangeEvent, ProjectPage
from catalogue.records import ProjectRecord
from tests.catalogue.factories import ProjectPageFactory

pytestmark = pytest.mark.django_db


def _record(n, **extra):
    return ProjectRecord(
        title=f"Projet {n}",
        source_id=str(n),
        source_url=f"https://partenaire.example/fiche/{n}",
        summary=f"Le projet numéro {n}.",
        postal_code="64000",
        city="Pau",
        codes=["COH"],
        **extra,
    )


def follow(client, url):
    """Read the feed from `url` to its end, page by page: (items, last cursor, first count)."""
    items, cursor, count = [], None, None
    while url:
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assert response.status_code == 200, response.content
        data = response.json()
        count = data["count"] if count is None else count
        items += data["results"]
        cursor, url = data["cursor"], data["next"]
    return items, cursor, count


def catalogue_now():
    urls = UrlBuilder(base_url="http://testserver")
    return {record["id"]: record for record in serialise(all_public_ids(), urls)}


@pytest.fixture
def pages(site_tree, django_capture_on_commit_callbacks):
    partner = services.upsert_partner("APRILES", website="https://www.apriles.net/")
    # As after real commits: each change's data version is stamped on its events.
    with django_capture_on_commit_callbacks(execute=True):
        one_by_one = [
            services.upsert_project(_record(n), source_key="Apriles", partner=partner).page
            for n in range(3)
        ]
        outcomes = list(
            services.upsert_projects_bulk([_record(n) for n in (10, 11)], source_key="Autre")
        )
    assert {o.action for o in outcomes} == {"created"}
    bulk = [ProjectPage.objects.get(pk=o.page_id) for o in outcomes]
    return one_by_one + bulk


def test_feed_replays_to_the_same_catalogue_and_resumes(
    pages, site_tree, django_capture_on_commit_callbacks
):
    client = Client()
    items, cursor, count = follow(client, "/api/changes?page_size=2")
    assert count == len(items) == 5
    assert {i["kind"] for i in items} == {"created"}
    assert all(i["version"] > 0 for i in items)
    copy = replay({}, items)
    assert copy == catalogue_now() and len(copy) == 5

    a, b, c, d, e = pages
    mark = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # each change commits
        services.upsert_project(
            _record(0, description="Une description nouvelle."), source_key="Apriles"
        )
        b.unpublish()
        PageViewRestriction.objects.create(page=c, restriction_type="login")
        services.merge_projects(d, a)  # d (source Autre) was the same project as a (Apriles)
        e.delete()
        hidden = ProjectPageFactory(parent=site_tree.projects, title="Jamais publique")
        PageViewRestriction.objects.create(page=hidden, restriction_type="login")
        hidden.save_revision().publish()
        fresh = services.upsert_project(_record(20), source_key="Apriles").page

    more, cursor2, count2 = follow(client, f"/api/changes?cursor={cursor}&page_size=2")
    kinds = {i["project"]: i["kind"] for i in more}
    assert kinds == {
        a.pk: "updated",
        b.pk: "unpublished",
        c.pk: "unpublished",
        d.pk: "merged",
        e.pk: "unpublished",
        fresh.pk: "created",
    }
    assert count2 == len(more) == 6
    assert [i for i in more if i["project"] == d.pk][0]["merged_into"] == a.pk
    for item in more:
        if item["kind"] != "created" and item["kind"] != "updated":
            assert item["record"] is None and item["url"] is None
    body = json.dumps(more, ensure_ascii=False)
    assert f'"{c.title}"' not in body and "/projets/projet-2/" not in body
    assert "Jamais publique" not in body
    assert replay(copy, more) == catalogue_now()

    # Nothing new: the same cursor comes back with nothing.
    assert follow(client, f"/api/changes?cursor={cursor2}") == ([], cursor2, 0)
    # `since`: only what changed from then on (each page once, in its latest state).
    since, _, _ = follow(client, "/api/changes?since=" + mark.isoformat().replace("+", "%2B"))
    assert {i["project"] for i in since} == set(kinds)
    # A new subscriber reading from the start gets the catalogue as it is now.
    everything, _, _ = follow(client, "/api/changes?page_size=3")
    assert replay({}, everything) == catalogue_now()


def test_feed_events_come_from_the_write_path(pages):
    (a, *_rest) = pages
    before = ChangeEvent.objects.filter(page_id=a.pk).count()
    a.save_revision().publish()  # an editor's publish in the admin
    event = ChangeEvent.objects.get(page_id=a.pk, current=True)
    assert event.kind == "updated"
    assert ChangeEvent.objects.filter(page_id=a.pk).count() == before + 1  # history kept


def test_activity_streams_collection(pages, django_capture_on_commit_callbacks):
    client = Client()
    response = client.get("/api/changes/activities")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/activity+json"
    collection = response.json()
    assert collection["type"] == "OrderedCollection"
    assert collection["totalItems"] == 5
    assert "https://www.w3.org/ns/activitystreams" in collection["@context"]
    with django_capture_on_commit_callbacks(execute=True):
        pages[1].unpublish()
    first = client.get(urlsplit(collection["first"]).path + "?cursor=&page_size=10").json()
    assert first["type"] == "OrderedCollectionPage" and first["partOf"].endswith(
        "/api/changes/activities"
    )
    by_object = {a["object"]["id"].rsplit("/", 1)[1]: a for a in first["orderedItems"]}
    deleted = by_object[str(pages[1].pk)]
    assert deleted["type"] == "Delete" and deleted["object"]["type"] == "Tombstone"
    created = by_object[str(pages[0].pk)]
    assert created["type"] == "Create"
    assert created["object"]["carrefour:record"]["title"] == "Projet 0"
    # The activity's object answers at its id.
    record = client.get(urlsplit(created["object"]["id"]).path)
    assert record.status_code == 200 and record.json()["id"] == pages[0].pk
    assert client.get(f"/api/projects/{pages[1].pk}").status_code == 404


@pytest.mark.parametrize("query", ["since=hier", "since=2024-13-45", "cursor=abc", "cursor=-1"])
def test_bad_parameters_answer_400(pages, query):
    response = Client().get(f"/api/changes?{query}")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("since", "everything"),
    [
        ("0001-01-01T01:00:00%2B01:01", True),  # before year 1 in UTC (schemathesis on PostgreSQL)
        ("0001-01-01", True),
        ("9999-12-31T23:00:00-01:00", False),  # past year 9999 in UTC
        ("2000-01-01T00:00:00%2B23:59", True),  # an offset PostgreSQL refuses
    ],
)
def test_extreme_dates_keep_everything_or_nothing(pages, since, everything):
    """Any date-time the schema allows answers 200: one before every event keeps them all,
    one after them keeps none."""
    response = Client().get(f"/api/changes?since={since}")
    assert response.status_code == 200, response.content
    assert (response.json()["count"] == len(pages)) is everything
    assert (response.json()["count"] == 0) is not everything


def test_a_cursor_never_skips_an_event_committed_late(pages, django_capture_on_commit_callbacks):
    """A long transaction writes its event first (a lower id) and commits after a reader went
    past a later one: the reader still gets it, after the cursor it kept."""
    from catalogue import changes

    a, b, *_rest = pages
    client = Client()
    _items, cursor, _count = follow(client, "/api/changes")
    with django_capture_on_commit_callbacks(execute=False) as long_transaction:
        changes.changed(pages=[a.pk])  # written, not committed yet
    late = ChangeEvent.objects.get(page_id=a.pk, current=True)
    with django_capture_on_commit_callbacks(execute=True):
        changes.changed(pages=[b.pk])  # a short transaction commits meanwhile
    quick = ChangeEvent.objects.get(page_id=b.pk, current=True)
    assert late.pk < quick.pk  # an id cursor would now pass the late event for ever

    seen, cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    assert [i["project"] for i in seen] == [b.pk]
    for callback in long_transaction:  # the long transaction commits
        callback()
    seen, cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    assert [(i["project"], i["kind"]) for i in seen] == [(a.pk, "updated")]
    assert follow(client, f"/api/changes?cursor={cursor}")[0] == []
    # A first-generation cursor (a bare event id) still resumes where it was.
    assert [i["project"] for i in follow(client, f"/api/changes?cursor={quick.pk}")[0]] == [a.pk]


def test_events_left_unstamped_by_a_dead_writer_are_stamped_later(pages):
    from datetime import timedelta

    from catalogue import changes

    changes.changed(pages=[pages[0].pk])  # committed, but its process died before the stamp
    event = ChangeEvent.objects.get(page_id=pages[0].pk, current=True)
    assert event.version == 0 and changes.stamp_late() == 0  # maybe still committing
    later = timezone.now() + changes.UNSTAMPED_AFTER + timedelta(seconds=1)
    assert changes.stamp_late(now=later) == 1
    event.refresh_from_db()
    assert event.version > 0


def test_partner_rename_and_taxonomy_changes_update_their_pages(
    pages, django_capture_on_commit_callbacks
):
    from catalogue.models import NomenclatureCode, PartnerPage, TaxonomyGroup

    client = Client()
    _items, cursor, _count = follow(client, "/api/changes")
    apriles_pages = {p.pk for p in pages[:3]}
    with django_capture_on_commit_callbacks(execute=True):
        partner = PartnerPage.objects.get(title="APRILES")
        partner.title = "Apriles, le réseau"
        partner.save_revision().publish()
    seen, cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    assert {i["project"] for i in seen} == apriles_pages
    assert {i["kind"] for i in seen} == {"updated"}
    assert {s["partner"] for s in seen[0]["record"]["sources"]} == {"Apriles, le réseau"}

    # A code renamed: every page carrying it (all five here) is updated, in bulk.
    with django_capture_on_commit_callbacks(execute=True):
        code = NomenclatureCode.objects.get(code="COH")
        code.name = code.name + " (renommé)"
        code.save()
    seen, cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    assert {i["project"] for i in seen} == {p.pk for p in pages}
    # A group renamed, then a code merged into another (its pages moved, then it is deleted).
    with django_capture_on_commit_callbacks(execute=True):
        group = TaxonomyGroup.objects.filter(codes__code="COH").first()
        group.name = group.name + " (renommé)"
        group.save()
    assert {i["project"] for i in follow(client, f"/api/changes?cursor={cursor}")[0]} == {
        p.pk for p in pages
    }
    _items, cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    with django_capture_on_commit_callbacks(execute=True):
        NomenclatureCode.objects.get(code="COH").delete()
    seen, cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    assert {i["project"] for i in seen} == {p.pk for p in pages}
    assert all("COH" not in i["record"]["codes"] for i in seen)
    # A partner's edit that changes nothing its projects show writes no event.
    with django_capture_on_commit_callbacks(execute=True):
        partner = PartnerPage.objects.get(pk=partner.pk)
        partner.description = "<p>Un réseau.</p>"
        partner.save_revision().publish()
    assert follow(client, f"/api/changes?cursor={cursor}")[0] == []
