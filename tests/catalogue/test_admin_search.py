"""The admin's page search (Wagtail's database backend, with the catalogue's per-entry title
norms, catalogue/search/admin_backend.py) after an editor's publish."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg
from django.db.models.functions import Length
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from catalogue import services
from catalogue.models import ProjectPage
from catalogue.records import ProjectRecord
from catalogue.search import admin_backend
from tests.catalogue.test_admin import edit_form

pytestmark = pytest.mark.django_db

# Real titles and summaries (FFE laureates and Apriles records).
RECORDS = [
    ("Les Jardins de Cocagne de Limoges", "Maraîchage biologique d'insertion."),
    ("Accorderie de Pau", "Échange de services entre habitants; un jardin collectif l'été."),
    ("La Cravate Solidaire", "Tenues professionnelles pour un retour à l'emploi."),
    ("Repair Café de Nantes", "Réparer ensemble plutôt que jeter."),
    ("Bibliothèque de rue de Roubaix", "Lecture au pied des immeubles, jardin et quartier."),
]


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("redaction", "redaction@example.org", "pw")


@pytest.fixture
def projects(site_tree):
    cache.delete_many([admin_backend.COUNT_KEY, admin_backend.TOTAL_KEY])  # per-process cache
    partner = services.upsert_partner("APRILES")
    return [
        services.upsert_project(
            ProjectRecord(title=title, source_id=str(n), summary=summary, city="Pau"),
            source_key="Apriles",
            partner=partner,
        ).page
        for n, (title, summary) in enumerate(RECORDS)
    ]


def norms_of(entries):
    """Wagtail's formula over the index as it stands: average title length / title length,
    lengths as the database counts them (characters on SQLite, lexemes of the tsvector on
    PostgreSQL), as modelsearch's own refresh does."""
    measured = IndexEntry.objects.annotate(n=Length("title")).filter(n__gt=0)
    average = measured.aggregate(average=Avg("n"))["average"]
    lengths = dict(
        measured.filter(pk__in=[e.pk for e in entries]).values_list("object_id", "n")
    )
    return {object_id: average / n for object_id, n in lengths.items()}


def title_lengths():
    """The index's title lengths as the database measures them (see `norms_of`)."""
    measured = IndexEntry.objects.annotate(n=Length("title")).filter(n__gt=0)
    return list(measured.values_list("n", flat=True))


def admin_search(client, q):
    response = client.get("/admin/pages/search/", {"q": q})
    assert response.status_code == 200
    return [page.specific for page in response.context["object_list"]]


def test_a_published_title_is_found_and_ranked_by_the_admin_search(editor, projects):
    assert (
        get_search_backend().get_index_for_model(ProjectPage).__class__.__name__.startswith("Norms")
    )
    client = Client()
    client.force_login(editor)
    page = projects[3]
    response = client.post(
        f"/admin/pages/{page.pk}/edit/",
        edit_form(page, title="Jardin partagé du Repair Café", **{"action-publish": "1"}),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    found = admin_search(client, "jardin")
    # At once, and first: the only page with the word in its title.
    assert found and found[0].pk == page.pk
    assert found[0].title == "Jardin partagé du Repair Café"
    entry = IndexEntry.objects.get(object_id=str(page.pk))
    assert entry.title_norm != 1.0
    # Its norm is Wagtail's formula over the index as it stands.
    assert entry.title_norm == pytest.approx(norms_of([entry])[str(page.pk)])
    # Its old title is gone from the admin's search.
    assert page.pk not in [p.pk for p in admin_search(client, "réparer ensemble nantes")]


def test_a_publish_never_aggregates_the_whole_index(
    editor, projects, django_capture_on_commit_callbacks
):
    """The norm of a published page is written through the (content type, object id) index,
    from the shared counters: no AVG nor whole-table UPDATE per publish once they are known,
    and they follow every committed write (titles added, changed, removed)."""
    page = projects[0]
    with django_capture_on_commit_callbacks(execute=True):  # as when the publish commits
        page.title = "Les Jardins de Cocagne du Limousin"
        page.save_revision(user=editor).publish(user=editor)  # counts the index once
    for title in ("Les Jardins de Cocagne, Haute-Vienne", "Cocagne"):
        page.title = title
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            page.save_revision(user=editor).publish(user=editor)
        table = IndexEntry._meta.db_table
        on_index = [q["sql"] for q in captured.captured_queries if table in q["sql"]]
        assert on_index, "the publish wrote the admin's index"
        assert not [sql for sql in on_index if "AVG(" in sql.upper() or "SUM(" in sql.upper()]
        updates = [sql for sql in on_index if sql.lstrip().upper().startswith("UPDATE")]
        assert updates and all("object_id" in sql for sql in updates)
        entry = IndexEntry.objects.get(object_id=str(page.pk))
        # PostgreSQL keeps a tsvector in title and the text in title_text
        assert title in (entry.title, getattr(entry, "title_text", None))
        assert entry.title_norm == pytest.approx(norms_of([entry])[str(page.pk)])
        lengths = title_lengths()
        assert cache.get_many([admin_backend.COUNT_KEY, admin_backend.TOTAL_KEY]) == {
            admin_backend.COUNT_KEY: len(lengths),
            admin_backend.TOTAL_KEY: sum(lengths),
        }
    with django_capture_on_commit_callbacks(execute=True):
        projects[1].delete()
    lengths = title_lengths()
    assert cache.get(admin_backend.COUNT_KEY) == len(lengths)
    assert cache.get(admin_backend.TOTAL_KEY) == sum(lengths)


def test_an_edited_title_gets_its_new_norm_and_a_full_refresh_stays_wagtails(editor, projects):
    page = projects[2]
    before = IndexEntry.objects.get(object_id=str(page.pk)).title_norm
    page.title = "Cravate"
    page.save_revision(user=editor).publish(user=editor)
    after = IndexEntry.objects.get(object_id=str(page.pk)).title_norm
    assert after > before  # a shorter title weighs more
    # rebuild_search_index's full refresh is Wagtail's own, and forgets the cached average
    get_search_backend().get_index_for_model(ProjectPage)._refresh_title_norms(full=True)
    assert cache.get(admin_backend.COUNT_KEY) is None
    entries = list(IndexEntry.objects.annotate(n=Length("title")).filter(n__gt=0))
    expected = norms_of(entries)
    assert {e.object_id: e.title_norm for e in entries} == pytest.approx(expected)
