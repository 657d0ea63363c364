"""Which runs a harvest resumes (`importers.resume`); the crawl itself is tested end to end in
test_harvest_sources (a run killed with SIGKILL, then resumed against the mock partner)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from importers.models import HarvestRun, ItemFingerprint, Source
from importers.resume import interrupted_since, page_of, written_pages

pytestmark = pytest.mark.django_db

S = HarvestRun.Status


def _source():
    source = Source.objects.create(name="Reprise", kind="html", config={})
    Source.objects.filter(pk=source.pk).update(updated_at=timezone.now() - timedelta(hours=3))
    source.refresh_from_db()
    return source


def _run(source, status, hours_ago, **fields):
    return HarvestRun.objects.create(
        source=source,
        status=status,
        started_at=timezone.now() - timedelta(hours=hours_ago),
        **fields,
    )


def test_the_interrupted_runs_in_a_row_since_the_last_other_run_are_resumed():
    source = _source()
    _run(source, S.SUCCESS, 2.5)
    first = _run(source, S.INTERRUPTED, 2)
    _run(source, S.INTERRUPTED, 1)
    _run(source, S.INTERRUPTED, 1.5, dry_run=True)  # a dry run wrote nothing: not in the way
    now = _run(source, S.RUNNING, 0)
    assert interrupted_since(source, now) == first.started_at

    ItemFingerprint.objects.create(source=source, key="url:a", raw_hash="x", url="http://p/a",
                                   seen_at=first.started_at)  # fmt: skip
    ItemFingerprint.objects.create(source=source, key="url:b", raw_hash="x", url="http://p/b",
                                   seen_at=first.started_at - timedelta(minutes=1))  # fmt: skip
    ItemFingerprint.objects.create(source=source, key="id:c", raw_hash="x", url="",
                                   seen_at=now.started_at)  # fmt: skip
    assert written_pages(source, first.started_at) == {"http://p/a": "url:a"}


@pytest.mark.parametrize(
    "case", ["last run went to its end", "interrupted run had a limit", "too old", "source edited"]
)
def test_nothing_is_resumed(case):
    source = _source()
    if case == "last run went to its end":
        _run(source, S.INTERRUPTED, 2)
        _run(source, S.PARTIAL, 1)
    elif case == "interrupted run had a limit":
        _run(source, S.INTERRUPTED, 1, item_limit=10)
    elif case == "too old":
        Source.objects.filter(pk=source.pk).update(updated_at=timezone.now() - timedelta(days=9))
        source.refresh_from_db()
        _run(source, S.INTERRUPTED, 30)
    else:
        _run(source, S.INTERRUPTED, 1)
        source.save()  # an editor saved the configuration since
    assert interrupted_since(source, _run(source, S.RUNNING, 0)) is None


def test_an_item_read_from_a_list_or_a_file_has_no_page_of_its_own():
    assert page_of({"url": "http://p/l", "list_url": "http://p/l"}) == ""
    assert page_of({"url": "http://p/file.csv", "line": 3}) == ""
    assert page_of({"url": "http://p/new", "list_url": "http://p/l"}) == "http://p/new"
    moved = {"url": "http://p/new", "link": "http://p/old", "list_url": "http://p/l"}
    assert page_of(moved) == "http://p/old"
