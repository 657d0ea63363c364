"""Pages made by `services.upsert_projects_bulk` are indistinguishable from pages made by hand."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision

from catalogue import search, services
from catalogue.bulk_pages import tree_problems
from catalogue.models import ProjectDistinction, ProjectPage, ProjectSource
from catalogue.records import Distinction, ProjectRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bulk_path_never_falls_back(caplog):
    """A batch that fails falls back on the one-by-one path and still creates its pages: these
    tests would pass on the slow path. They must see the bulk path succeed."""
    yield
    calls = caplog.get_records("call")
    fallbacks = [r for r in calls if r.name == "catalogue.bulk" and r.levelname == "ERROR"]
    assert not fallbacks, fallbacks[0].getMessage()


def record(n: int, **extra) -> ProjectRecord:
    values = {
        "title": f"Jardin partagé numéro {n}",
        "source_id": str(n),
        "source_url": f"https://partenaire.example.org/fiche/{n}",
        "summary": "Un jardin cultivé par les habitants du quartier.",
        "description": "Des parcelles ouvertes à tous.\n\nDes ateliers le samedi.",
        "website": f"https://jardin{n}.example.org/",
        "structure_name": "Association des jardiniers",
        "postal_code": "35000",
        "city": "Rennes",
        "insee_code": "35238",
        "latitude": 48.11,
        "longitude": -1.68,
        "codes": ["AGR", "COH"],
        "tags": ["Jardinage", "Lien social"],
        "raw_tags": ["jardin"],
        "distinctions": [Distinction("Prix de l'innovation", 2017)],
    }
    values.update(extra)
    return ProjectRecord(**values)


def shape(page: ProjectPage) -> dict:
    """What an editor or a reader can observe of a page, minus its identity."""
    revision = page.get_latest_revision()
    return {
        "live": page.live,
        "depth": page.depth,
        "has_unpublished_changes": page.has_unpublished_changes,
        "revision_is_live": page.live_revision_id == revision.pk,
        "revision_keys": sorted(revision.content),
        "codes": sorted(page.codes.values_list("code", flat=True)),
        "tags": sorted(page.tags.names()),
        "distinctions": [(d.name, d.year) for d in page.distinctions.all()],
        "log": sorted(PageLogEntry.objects.filter(page=page).values_list("action", flat=True)),
        "references": sorted(
            ReferenceIndex.objects.filter(object_id=str(page.pk)).values_list(
                "model_path", flat=True
            )
        ),
        "region": (page.department_code, page.region_code),
        "location": page.location,
        "sources": list(page.sources.values_list("source_key", "still_listed")),
    }


def test_bulk_pages_are_indistinguishable_from_pages_made_by_hand(site_tree, client):
    by_hand = services.upsert_project(record(0, title="Jardin fait main"), source_key="Main").page
    outcomes = list(
        services.upsert_projects_bulk(
            (record(n) for n in range(1, 121)), source_key="Lot", batch_size=50
        )
    )
    assert [o.action for o in outcomes] == ["created"] * 120
    pages = list(ProjectPage.objects.filter(sources__source_key="Lot").order_by("path"))
    assert len(pages) == 120
    # One query checks the whole tree: paths, depth, numchild, url_path, sibling slugs.
    assert tree_problems() == []
    projects = site_tree.projects
    projects.refresh_from_db()
    assert projects.numchild == 121
    assert Page.objects.get(pk=projects.pk).get_children().count() == 121
    first = pages[0]
    assert first.url_path == f"{projects.url_path}{first.slug}/"
    assert first.url == f"/projets/{first.slug}/"
    assert len({p.slug for p in pages} | {by_hand.slug}) == 121

    # The reference index rows are those Wagtail itself writes for the page.
    def references(page):
        return sorted(
            ReferenceIndex.objects.filter(object_id=str(page.pk)).values_list(
                "to_content_type", "to_object_id", "model_path", "content_path", "content_path_hash"
            )
        )

    written = references(first)
    assert len(written) == 2  # its two tags
    for *_rest, content_hash in written:  # stored as the ORM looks it up
        assert ReferenceIndex.objects.filter(
            object_id=str(first.pk), content_path_hash=content_hash
        ).exists()
    ReferenceIndex.create_or_update_for_object(ProjectPage.objects.get(pk=first.pk))
    assert references(first) == written

    hand = shape(ProjectPage.objects.get(pk=by_hand.pk))
    bulk = shape(first)
    assert bulk == {**hand, "sources": [("Lot", True)]}
    assert first.get_latest_revision().content["title"] == first.title

    # Public page, admin edit form and history.
    assert client.get(first.url).status_code == 200
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(admin)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[first.pk])).status_code == 200
    history = client.get(reverse("wagtailadmin_pages:history", args=[first.pk]))
    assert history.status_code == 200 and "Publié" in history.content.decode()

    # Editable and publishable like any page.
    draft = first.get_latest_revision_as_object()
    draft.summary = "Résumé revu par la rédaction."
    draft.save_revision(user=admin, log_action=True).publish(user=admin)
    first.refresh_from_db()
    assert first.summary == "Résumé revu par la rédaction."
    assert Revision.page_revisions.filter(object_id=str(first.pk)).count() == 2
    assert tree_problems() == []

    # Found by Wagtail's search (admin) and by the catalogue's own search index.
    assert first in ProjectPage.objects.live().search("Jardin partagé numéro 1")
    results = search.execute(search.SearchQuery(text="jardin"), with_facets=False)
    assert results.count == 121
    assert search.execute(search.SearchQuery(text="revu rédaction")).results == [first]


def test_title_norms_of_the_admin_search_as_wagtail_computes_them(site_tree):
    """Wagtail's database search backend ranks titles with a norm: average title length of
    the index / the title's length. The bulk path writes it with the entry on SQLite (where
    refreshing it afterwards rewrote each row's full text) and refreshes it once per stream
    elsewhere: either way no new entry is left at the default and the formula holds."""
    from django.db import connection
    from wagtail.search.backends import get_search_backend
    from wagtail.search.models import IndexEntry

    titles = [
        "Court",
        "Un titre de longueur moyenne",
        "Un titre nettement plus long que les autres",
    ]
    records = [record(n, title=f"{titles[n % 3]} {n}") for n in range(60)]
    outcomes = list(services.upsert_projects_bulk(records, source_key="Lot", batch_size=25))
    assert [o.action for o in outcomes] == ["created"] * 60
    entries = IndexEntry.objects.filter(object_id__in=[str(o.page_id) for o in outcomes]).order_by(
        "pk"
    )
    assert entries.count() == 60
    assert not entries.filter(title_norm=1.0).exists()
    if connection.vendor == "sqlite":
        # Each batch's norms use the average over the index as it stood after that batch,
        # as Wagtail's own incremental refresh does.
        rows = list(entries.values_list("pk", "title", "title_norm"))
        for batch in (rows[:25], rows[25:50], rows[50:]):
            last = batch[-1][0]
            lengths = [
                len(t)
                for t in IndexEntry.objects.filter(pk__lte=last).values_list("title", flat=True)
                if t
            ]
            average = sum(lengths) / len(lengths)
            for _pk, title, norm in batch:
                assert norm == pytest.approx(average / len(title))
    else:
        norms = dict(entries.values_list("object_id", "title_norm"))
        get_search_backend().get_index_for_model(ProjectPage)._refresh_title_norms(full=True)
        assert dict(entries.values_list("object_id", "title_norm")) == pytest.approx(norms)
    # The texts (full-text vectors on PostgreSQL) are those Wagtail's own indexer writes: have
    # it index a few pages again over the bulk path's entries, nothing changes.
    columns = ["object_id", "title", "autocomplete", "body"]
    if connection.vendor == "postgresql":
        columns += ["title_text", "body_text"]
    again = ProjectPage.objects.filter(pk__in=[o.page_id for o in outcomes[:4]]).order_by("pk")
    chosen = entries.filter(object_id__in=[str(p.pk) for p in again])

    def texts():
        return [tuple(str(v) for v in row) for row in chosen.values_list(*columns)]

    written = texts()
    assert len(written) == 4 and all(row[1] and row[3] for row in written)
    get_search_backend().get_index_for_model(ProjectPage).add_items(ProjectPage, list(again))
    assert texts() == written
    assert list(ProjectPage.objects.search("nettement plus long 5")) == [
        ProjectPage.objects.get(pk=outcomes[5].page_id)
    ]


def test_bulk_reruns_cheaply_and_routes_changes_through_the_normal_path(site_tree):
    records = [record(n) for n in range(1, 31)]
    list(services.upsert_projects_bulk(records, source_key="Lot", batch_size=10))
    changed = record(5, summary="Nouveau résumé de la source.")
    invalid = record(99, contact_email="pas-une-adresse")
    again = records[:4] + [changed] + records[5:] + [invalid, record(5)]
    outcomes = list(services.upsert_projects_bulk(again, source_key="Lot", batch_size=10))
    actions = [o.action for o in outcomes]
    assert actions.count("unchanged") == 29
    # record 5 changed, then (a later batch) came back as it was: two updates, one page
    assert actions.count("updated") == 2
    assert outcomes[30].action == "invalid" and "contact_email" in outcomes[30].error
    page = ProjectPage.objects.get(sources__source_key="Lot", sources__source_id="5")
    assert ProjectPage.objects.filter(sources__source_id="5").count() == 1
    assert page.revisions.count() == 3
    assert page.summary == record(5).summary
    assert ProjectSource.objects.filter(source_key="Lot").count() == 30
    assert tree_problems() == []


def test_cross_source_duplicate_is_attached_not_duplicated(site_tree):
    existing = services.upsert_project(record(1), source_key="Premier").page
    out = list(
        services.upsert_projects_bulk(
            [record(1, source_id="a-1", title="Jardin partagé n°1")],
            source_key="Second",
            resolve_new=lambda r: existing.pk,
        )
    )
    assert out[0].action == "attached" and out[0].page_id == existing.pk
    assert sorted(existing.sources.values_list("source_key", flat=True)) == ["Premier", "Second"]
    assert ProjectPage.objects.count() == 1


def test_same_titles_get_unique_sibling_slugs_across_batches(site_tree):
    """Over a hundred pages with one title, in batches: base, base-2 … base-N, no gap reused."""
    title = "Épicerie solidaire"
    by_hand = services.upsert_project(record(0, title=title), source_key="Main")
    records = [record(n, title=title) for n in range(1, 131)]
    list(services.upsert_projects_bulk(records, source_key="Lot", batch_size=40))
    slugs = set(ProjectPage.objects.filter(title=title).values_list("slug", flat=True))
    assert by_hand.page.slug == "epicerie-solidaire"
    assert slugs == {"epicerie-solidaire"} | {f"epicerie-solidaire-{k}" for k in range(2, 132)}
    assert tree_problems() == []


def test_numbered_slugs_are_found_in_few_lookups_and_never_reused(site_tree):
    """A title shared by many pages: a later stream finds the free numbers in windows that
    double (a few look-ups, not one per hundred pages there), skips a number taken meanwhile
    by another page, and each next batch starts where the last one stopped."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    title = "Épicerie solidaire"
    list(
        services.upsert_projects_bulk(
            [record(n, title=title) for n in range(1, 301)], source_key="Lot", batch_size=100
        )
    )
    other = services.upsert_project(record(900, title="Autre"), source_key="Main").page
    other.slug = "epicerie-solidaire-305"  # renamed by an editor, say
    other.save()
    # Fed as the harvest pipeline does: one call per batch, one stream for the run.
    stream = services.bulk_stream()
    outcomes = []
    with CaptureQueriesContext(connection) as queries:
        for start in (1000, 1030, 1060):
            outcomes += services.upsert_projects_bulk(
                [record(n, title=title) for n in range(start, start + 30)],
                source_key="Suite",
                stream=stream,
            )
        stream.finish()
    assert [o.action for o in outcomes] == ["created"] * 90
    slugs = list(
        ProjectPage.objects.filter(sources__source_key="Suite")
        .order_by("path")
        .values_list("slug", flat=True)
    )
    expected = [f"epicerie-solidaire-{k}" for k in range(301, 392) if k != 305]
    assert slugs == expected
    assert tree_problems() == []
    lookups = [q for q in queries.captured_queries if '"slug" IN' in q["sql"]]
    # First batch: the bare title, then windows of 34, 68, 136, 272 from -2 (5 look-ups); the
    # next two: the bare title and one window each. (A hundred at a time from -2 for every
    # batch made 15.)
    assert len(lookups) <= 9, len(lookups)


def test_plain_row_inserts_store_what_bulk_create_stores(site_tree):
    """`insert_rows` (one prepared statement for every row) against Django's `bulk_create`:
    the same values read back, JSON and dates included; duplicates skipped on request."""
    from django.utils import timezone

    from catalogue.rows import insert_rows

    page = services.upsert_project(record(1), source_key="Main").page
    when = timezone.now()

    def rows(key):
        return [
            ProjectSource(
                project=page,
                source_key=key,
                source_id=f"{key}-{n}",
                source_url=f"https://example.org/{key}/{n}",
                raw_tags=["santé", 'guillemets "doubles"', {"niveau": n}],
                first_seen=when,
                last_seen=when,
                content_hash=f"h{n}",
            )
            for n in range(3)
        ]

    ProjectSource.objects.bulk_create(rows("django"))
    insert_rows(ProjectSource, rows("plain"))
    fields = ["source_id", "source_url", "raw_tags", "first_seen", "content_hash", "still_listed"]

    def read(key):
        values = ProjectSource.objects.filter(source_key=key).order_by("source_id")
        return [
            [v.replace(key, "K") if isinstance(v, str) else v for v in row]
            for row in values.values_list(*fields)
        ]

    assert read("plain") == read("django")
    assert read("plain")[0][2] == ["santé", 'guillemets "doubles"', {"niveau": 0}]

    # A row that would break a unique constraint: an error, or skipped when asked.
    from django.db import IntegrityError, transaction

    through = ProjectPage.codes.through
    code = page.codes.first()
    again = through(projectpage_id=page.pk, nomenclaturecode_id=code.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(through, [again])
    insert_rows(through, [again], ignore_conflicts=True)
    assert through.objects.filter(projectpage_id=page.pk, nomenclaturecode=code).count() == 1


def test_prepared_values_are_what_django_prepares_for_every_row_written(site_tree, monkeypatch):
    """`insert_rows` skips Django's conversions where they change nothing (plain strings, ints,
    booleans; one conversion per distinct datetime): for every row a bulk creation writes,
    pages, revisions, history, provenance, index entries and suggestions included, the values
    bound are exactly those of `get_db_prep_save(pre_save(obj))`."""
    from django.db import connection

    from catalogue import rows as rows_module

    seen: dict[str, int] = {}
    fast = rows_module.prepared_rows

    def plain(value):
        return getattr(value, "obj", value)  # psycopg's JSON wrapper compares by identity

    def checked(objs, fields):
        values = fast(objs, fields)
        reference = [
            [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs
        ]
        # The types too (1 == True, 1.0 == 1): the database would store them differently.
        differences = [
            (type(objs[0]).__name__, field.name, value, expected)
            for row, expected_row in zip(values, reference, strict=True)
            for field, value, expected in zip(fields, row, expected_row, strict=True)
            if type(value) is not type(expected)
            or (plain(value) != plain(expected) and not getattr(field, "auto_now", False))
        ]  # (an auto_now field reads "now" at each call)
        assert not differences, differences[:3]
        name = fields[-1].model.__name__  # Page and ProjectPage rows of the same objects
        seen[name] = seen.get(name, 0) + len(objs)
        return values

    monkeypatch.setattr(rows_module, "prepared_rows", checked)
    records = [record(n, description=f"<p>Texte <b>{n}</b></p>") for n in range(12)]
    outcomes = list(services.upsert_projects_bulk(records, source_key="Main", batch_size=5))
    assert {o.action for o in outcomes} == {"created"}
    for model in ("ProjectPage", "Page", "Revision", "PageLogEntry", "ProjectSource"):
        assert seen.get(model, 0) >= 12, (model, seen)
    # Suggestions go as plain tuples: read back, they are what was given.
    from catalogue.models import SuggestedCode

    reasons = [{"how": "mot-clé", "text": "« école » → EDU", "score": 1}]
    by_page = {
        o.page_id: [{"code": "EDU", "keyword": "École", "keyword_key": "ecole", "score": 0.5,
                     "reasons": reasons}]
        for o in outcomes
    }  # fmt: skip
    assert services.set_suggested_codes("Main", by_page) == 12
    stored = SuggestedCode.objects.filter(project_id__in=by_page)
    assert sorted(stored.values_list("project_id", flat=True)) == sorted(by_page)
    assert {
        (s.code.code, s.keyword, s.keyword_key, s.score, json.dumps(s.reasons), s.source_key)
        for s in stored
    } == {("EDU", "École", "ecole", 0.5, json.dumps(reasons), "Main")}
    assert all(s.created_at is not None and s.created_at.tzinfo for s in stored)

    # The search entries were built from the pages in memory: the same as from the database.
    from catalogue.models import ProjectFacetValue, ProjectSearchEntry
    from catalogue.search import indexer

    ids = [o.page_id for o in outcomes]

    def index_rows():
        entries = ProjectSearchEntry.objects.filter(page_id__in=ids).order_by("page_id")
        facets = ProjectFacetValue.objects.filter(entry_id__in=ids)
        return (
            [
                {k: v for k, v in row.items() if k not in ("id", "indexed_at")}
                for row in entries.values()
            ],
            sorted(facets.values_list("entry_id", "facet", "value")),
        )

    from_memory = index_rows()
    assert len(from_memory[0]) == 12 and from_memory[1]
    indexer.index_projects(ids)  # read back from the database
    from_database = index_rows()
    assert from_database[1] == from_memory[1]
    for entry, expected in zip(from_memory[0], from_database[0], strict=True):
        assert {k: v for k, v in entry.items() if v != expected[k]} == {}


def test_reserved_ids_are_never_reused_nor_taken_again(site_tree):
    """Ids reserved for rows inserted with their id: after the highest ever used (a deleted
    row's id is not handed out again), and the database's own numbering goes on after them."""
    from catalogue.rows import insert_rows, reserve_ids

    page = services.upsert_project(record(1), source_key="Main").page
    gone = ProjectDistinction.objects.create(project=page, name="Prix supprimé", sort_order=5)
    gone_pk = gone.pk
    gone.delete()
    ids = reserve_ids(ProjectDistinction, 3)
    assert len(set(ids)) == 3 and min(ids) > gone_pk
    rows = [
        ProjectDistinction(pk=pk, project=page, name=f"Réservé {pk}", sort_order=n)
        for n, pk in enumerate(ids)
    ]
    insert_rows(ProjectDistinction, rows)
    assert set(
        ProjectDistinction.objects.filter(name__startswith="Réservé ").values_list("pk", flat=True)
    ) == set(ids)
    after = ProjectDistinction.objects.create(project=page, name="Prix suivant", sort_order=9)
    assert after.pk > max(ids)
    assert min(reserve_ids(ProjectDistinction, 1)) > after.pk


def test_admin_search_stems_french_on_postgresql(site_tree):
    """Editors search the admin in French: on PostgreSQL Wagtail's index uses the "french"
    configuration (English stems "inclusifs" to "inclusif" and keeps "âgées" whole)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's FTS5 backend does not stem")
    outcomes = list(
        services.upsert_projects_bulk(
            [record(1, title="Des habitats inclusifs pour les personnes âgées")],
            source_key="Lot",
        )
    )
    page = ProjectPage.objects.get(pk=outcomes[0].page_id)
    found = ProjectPage.objects.search("habitat inclusive âgé", operator="and")
    assert list(found) == [page]
