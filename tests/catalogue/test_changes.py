"""Every write ends in "the catalogue changed" (`catalogue.changes`), and `check_catalogue` proves
the derived data (map, search index, open-data dumps) in step with the pages."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from catalogue import changes, consistency, services
from catalogue.maps import grid
from catalogue.models import MapCell, MapPoint, ProjectPage, ProjectSearchEntry
from tests.catalogue.test_bulk import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def queued(monkeypatch):
    """django-q2 calls recorded instead of run (the test settings run tasks synchronously)."""
    calls = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kw: calls.append(args))
    return calls


def cells():
    return {
        (c.zoom, c.cx, c.cy): (c.count, round(c.sum_lat, 6), round(c.sum_lng, 6))
        for c in MapCell.objects.all()
    }


def problems():
    return {check.name: check.problems for check in consistency.run_checks() if not check.ok}


def bulk_load(records, capture):
    with capture(execute=True):
        return list(services.upsert_projects_bulk(records, source_key="Jardins", batch_size=4))


def test_a_bulk_stream_leaves_map_index_and_dumps_in_step(
    site_tree, media, queued, django_capture_on_commit_callbacks
):
    # Two cities, batches of 4: cells shared between batches are added to, not replaced.
    records = [
        record(n, latitude=48.11 + n / 1000, longitude=-1.68)
        if n % 2
        else record(n, city="Lyon", postal_code="69001", latitude=45.76, longitude=4.83)
        for n in range(10)
    ] + [record(10, latitude=None, longitude=None)]
    outcomes = bulk_load(records, django_capture_on_commit_callbacks)
    assert {o.action for o in outcomes} == {"created"}
    assert MapPoint.objects.count() == 10
    incremental = cells()
    assert sum(n for (zoom, _x, _y), (n, _a, _b) in incremental.items() if zoom == 6) == 10
    grid.rebuild_clusters()
    assert cells() == incremental
    dump = json.loads((media / "opendata" / "carrefour-projets.json").read_text())
    assert dump["count"] == 11
    assert problems() == {}
    state = changes.state()
    assert state.dumps_version == state.version > 0
    # A re-run changes nothing: no new version, no rewrite.
    bulk_load(records, django_capture_on_commit_callbacks)
    assert changes.state().version == state.version


def test_a_publish_queues_one_rewrite_of_the_dumps_and_never_writes_them_itself(
    site_tree, media, queued, django_capture_on_commit_callbacks
):
    bulk_load([record(1), record(2)], django_capture_on_commit_callbacks)
    written = (media / "opendata" / "carrefour-projets.json").stat().st_mtime_ns
    # The batches queued a rewrite; the stream's end wrote the dumps: the worker finds them current.
    assert queued == [(changes.TASK,)]
    assert changes.refresh_dumps_task() == "à jour"
    queued.clear()
    pages = list(ProjectPage.objects.order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        for page in pages:  # a burst of edits: one rewrite queued
            page.title += " (modifié)"
            page.save_revision().publish()
        pages[0].unpublish()
    assert queued == [(changes.TASK,)]
    assert (media / "opendata" / "carrefour-projets.json").stat().st_mtime_ns == written
    assert list(problems()) == ["fichiers open data"]
    assert MapPoint.objects.count() == 1  # the map followed at once
    assert ProjectSearchEntry.objects.count() == 1
    # The cluster's worker runs the task: the dumps are current, the next edit queues again.
    assert changes.refresh_dumps_task() == "3 fichiers"
    assert problems() == {}
    dump = json.loads((media / "opendata" / "carrefour-projets.json").read_text())
    assert [r["title"] for r in dump["results"]] == [pages[1].title]
    assert changes.refresh_dumps_task() == "à jour"
    with django_capture_on_commit_callbacks(execute=True):
        pages[0].save_revision().publish()
    assert queued == [(changes.TASK,), (changes.TASK,)]


def test_check_catalogue_fails_loudly_and_repairs(
    site_tree, media, queued, django_capture_on_commit_callbacks, capsys
):
    bulk_load([record(n) for n in range(1, 6)], django_capture_on_commit_callbacks)
    call_command("check_catalogue")
    # Writes around the services: a page unpublished in SQL, an index entry and a cell lost.
    hidden = ProjectPage.objects.order_by("pk").first()
    ProjectPage.objects.filter(pk=hidden.pk).update(live=False)
    ProjectSearchEntry.objects.exclude(pk=hidden.pk).first().delete()
    MapCell.objects.filter(zoom=6).delete()
    with pytest.raises(CommandError, match="désynchronisées"):
        call_command("check_catalogue")
    out = capsys.readouterr().out
    assert "1 point(s) de la carte sans projet publié" in out
    assert "1 projet(s) publié(s) absent(s) de l'index" in out
    assert "1 entrée(s) de l'index pour des projets non publiés" in out
    assert "ils ne contiennent pas les projets publiés (5 au lieu de 4" in out
    call_command("check_catalogue", "--repair")
    assert problems() == {}
    assert MapPoint.objects.count() == ProjectSearchEntry.objects.count() == 4
    (media / "opendata" / "carrefour-projets.csv").unlink()
    assert "fichiers open data" in problems()


def test_editors_restrictions_and_deletions_keep_everything_in_step(
    site_tree, media, queued, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    bulk_load([record(n) for n in range(1, 4)], django_capture_on_commit_callbacks)
    changes.refresh_dumps_task()
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=site_tree.projects, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
    # The map and the index follow at once; the dumps by the queued task.
    assert MapPoint.objects.count() == ProjectSearchEntry.objects.count() == 0
    assert list(problems()) == ["fichiers open data"]
    changes.refresh_dumps_task()
    assert problems() == {}
    assert changes.state().dumps_count == 0
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
        ProjectPage.objects.order_by("pk").first().delete()
    changes.refresh_dumps_task()
    assert problems() == {}
    assert MapPoint.objects.count() == changes.state().dumps_count == 2
