"""After a change, the search engine's per-version structures are carried over by applying the
index journal (catalogue/search/delta.py): what they answer must be what a full read gives."""

from __future__ import annotations

import pytest
from django.db import connection

from catalogue import freshness
from catalogue.models import NomenclatureCode, ProjectIndexPage, ProjectPage
from catalogue.search import SearchQuery, bitmaps, delta, idsets, ranking
from catalogue.search.engine import execute
from catalogue.search.query import FACETS

pytestmark = pytest.mark.django_db


def search(**params) -> SearchQuery:
    return SearchQuery.from_params(params)


def top_value(facet: str) -> str:
    return execute(SearchQuery(), facets=[facet]).facets[facet][0]["value"]


def answers(queries):
    """Count, three pages of ids and every facet count of each query."""
    found = []
    for query in queries:
        for number in (1, 2, 3):
            results = execute(query.replace(page=number, per_page=7))
            found.append((results.count, [p.pk for p in results.results], results.facets))
    return found


def structures():
    """What is held, in comparable form."""
    cache = idsets._cache
    return {
        "sets": dict(cache["sets"]),
        "bitmaps": {f: dict(v) for f, v in cache["bitmaps"].items()},
        "orders": {k: list(v) for k, v in cache["orders"].items()},
    }


def read_in_full(held):
    """The same keys read from scratch."""
    idsets.forget()
    sets = {}
    for key in held["sets"]:
        sets[key] = idsets.facet_value_sets(key[1]) if key[0] == "*" else idsets.value_ids(*key)
    held_bitmaps = bitmaps.facet_bitmaps(list(held["bitmaps"])) if held["bitmaps"] else {}
    orders = {terms: list(ranking.relevance_order(list(terms))) for terms in held["orders"]}
    return {"sets": sets, "bitmaps": {f: dict(v) for f, v in held_bitmaps.items()}, "orders": orders}


def applied_exactly(applied, pages) -> bool:
    """The delta applied these pages; on PostgreSQL also the journal's slack before the held
    position (`delta.POSTGRES_SLACK`: ids handed out before an earlier commit), re-applied."""
    if not applied:
        return False
    done = set().union(*applied)
    return pages <= done if connection.vendor == "postgresql" else pages == done


def committed():
    """As once the writer's transaction has committed (these tests run inside one)."""
    connection.search_index_dirty = False


@pytest.fixture
def large_paths(monkeypatch):
    """Bitmaps and full orders for every set size, as at 100,000 projects."""
    monkeypatch.setattr(bitmaps, "BITMAP_COUNTS_MIN", 1)
    monkeypatch.setattr(ranking, "FULL_ORDER_MIN", 1)
    monkeypatch.setattr(connection, "search_index_dirty", False, raising=False)
    applied = []
    real_apply = delta.apply

    def spy(cache, changed):
        applied.append(set(changed))
        return real_apply(cache, changed)

    monkeypatch.setattr(delta, "apply", spy)
    yield applied
    freshness.bump()


def test_publish_unpublish_edit_and_delete_as_a_delta_equal_a_full_read(
    real_catalogue, db, large_paths
):
    domaine, public = top_value("domaine"), top_value("public")
    queries = [
        search(q="jeunes"),
        search(q="insertion emploi"),
        search(q="jeunes", public=public),
        search(q="jeunes", domaine=domaine),
        search(domaine=domaine),
        search(q="jeunes", tri="newest"),
        search(territoire=f"departement/{top_value('departement')}"),
        SearchQuery(),
    ]
    assert execute(queries[-2]).count > 0  # a territory's set is held beside the facets'
    answers(queries)  # holds sets, bitmaps and orders
    for facet in FACETS:
        idsets.facet_value_sets(facet)
    jeunes = sorted(
        ProjectPage.objects.live().public().filter(title__icontains="jeunes"), key=lambda p: p.pk
    )
    other = ProjectPage.objects.live().public().exclude(title__icontains="jeunes").first()
    code = NomenclatureCode.objects.filter(groups__slug=domaine).first()
    index = ProjectIndexPage.objects.first()

    def edit_title():  # leaves the text's matches
        jeunes[0].title = "Atelier de réparation de vélos"
        jeunes[0].save_revision().publish()
        return {jeunes[0].pk}

    def gain_word_and_domain():  # joins the text's matches and a domain
        other.title = f"Jeunes bénévoles : {other.title}"
        other.save_revision().publish()
        other.codes.add(code)
        other.save_revision().publish()
        return {other.pk}

    def unpublish():
        jeunes[1].unpublish()
        return {jeunes[1].pk}

    def republish():
        jeunes[1].get_latest_revision().publish()
        return {jeunes[1].pk}

    def new_page():
        page = index.add_child(
            instance=ProjectPage(
                title="Jeunes en insertion par le maraîchage",
                summary="Chantier d'insertion pour les jeunes de 16 à 25 ans.",
                city="Pau",
                postal_code="64000",
                insee_code="64445",
                latitude=43.2951,
                longitude=-0.3708,
            )
        )
        page.codes.add(code)
        page.save_revision().publish()
        return {page.pk}

    def delete():
        pk = jeunes[2].pk
        jeunes[2].delete()
        return {pk}

    for change in (edit_title, gain_word_and_domain, unpublish, republish, new_page, delete):
        large_paths.clear()
        expected_pages = change()
        committed()
        through_delta = answers(queries)
        assert applied_exactly(large_paths, expected_pages), change.__name__
        held = structures()
        assert held["bitmaps"] and held["sets"], change.__name__
        if connection.vendor == "postgresql":
            assert held["orders"], "orders are carried over on PostgreSQL"
        assert read_in_full(held) == held, change.__name__
        assert answers(queries) == through_delta, change.__name__


def test_a_rebuild_or_a_long_journal_reads_everything_again(real_catalogue, db, large_paths):
    from django.core.management import call_command

    answers([search(q="jeunes"), SearchQuery()])
    call_command("rebuild_search_index", verbosity=0)
    committed()
    execute(SearchQuery())
    assert not large_paths  # the journal says "everything": nothing to apply
    assert idsets._cache["journal"] == delta.position()
    held = idsets._cache["journal"]
    pages = list(ProjectPage.objects.live().public().values_list("pk", flat=True)[:5])
    from catalogue.search import indexer

    indexer.index_projects(pages)
    committed()
    execute(SearchQuery())
    assert applied_exactly(large_paths, set(pages))
    assert idsets._cache["journal"] > held
    large_paths.clear()
    # A journal pruned past the held position, or rolled back below it: read again.
    idsets._cache["journal"] = -5
    freshness.bump()
    execute(SearchQuery())
    assert not large_paths and idsets._cache["journal"] == delta.position()


def test_a_read_begun_before_a_change_is_not_kept_for_the_new_version(
    real_catalogue, db, large_paths, monkeypatch
):
    """Readers do not take `_advance`'s lock. One that began before a publish (another thread,
    here simulated: the publish and the next query happen inside its read) must not store its
    result, computed from the old rows, as the new version's: it goes into the dictionary it
    read from, which the delta replaced."""
    idsets.facet_value_sets("domaine")  # something held, so the change is applied as a delta
    stale = frozenset({-1})  # what the slow read computed from the rows before the change
    page = ProjectPage.objects.live().public().first()
    real_fetch = idsets._fetch

    def slow_read(sql, params):
        monkeypatch.setattr(idsets, "_fetch", real_fetch)
        page.title = f"{page.title} (modifié)"
        page.save_revision().publish()
        committed()
        assert execute(SearchQuery()).count > 0  # another request: the delta is applied
        return stale

    monkeypatch.setattr(idsets, "_fetch", slow_read)
    assert idsets.value_ids("public", "jeunes") == stale  # the reader gets what it read
    assert large_paths, "the change was applied as a delta"
    assert idsets._cache["sets"].get(("public", "jeunes")) != stale
    assert idsets.value_ids("public", "jeunes") == real_fetch(
        f"SELECT entry_id FROM {idsets.FACETS_TABLE} WHERE facet = %s AND value = %s",
        ["public", "jeunes"],
    )
