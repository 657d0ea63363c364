"""Versions pinned for a request (catalogue/freshness.py): read once from the shared cache,
one consistent state for the whole request, its own bumps included."""

from unittest import mock

from django.core.cache import cache

from catalogue import freshness


def test_a_request_reads_each_version_once_and_sees_its_own_bumps():
    data, content = freshness.current(), freshness.content()
    with freshness.pinned():
        assert freshness.both() == (data, content)
        with mock.patch.object(cache, "get", side_effect=AssertionError("read again")):
            assert freshness.current() == data
            assert freshness.content() == content
        cache.set(freshness.KEY, "another process's bump", None)
        assert freshness.current() == data  # one consistent state for the request
        mine = freshness.bump()
        assert freshness.current() == mine != data
        assert freshness.content() != content
    assert freshness.current() == cache.get(freshness.KEY) == mine  # outside: read each time
    cache.set(freshness.KEY, "later", None)
    assert freshness.current() == "later"


def test_each_request_of_the_site_reads_the_versions_afresh(client, db):
    before = freshness.current()
    client.get("/robots.txt")
    freshness.bump()
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        client.get("/robots.txt")
    assert freshness.current() != before
    assert getattr(freshness._pinned, "values", None) is None  # nothing left pinned
    assert get_many.call_count <= 1
