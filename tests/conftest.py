"""Fixtures shared by every app's tests."""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from tests import fast_rollback

# Real-browser fixtures (Playwright + Debian chromium against live_server): see tests/browser.py.
from tests.browser import axe, browser, page  # noqa: F401

# Transactional tests' serialized rollback restored with plain INSERTs (checked against
# Django's own restore once per session): see tests/fast_rollback.py.
fast_rollback.install()

# Crawls run in subprocesses without Django (importers.crawl.cli): the outgoing guard reads its
# loopback permission from the environment there (the mock partners serve 127.0.0.1).
os.environ.setdefault("OUTGOING_ALLOW_LOOPBACK", "1")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """Reset the language after each test.

    A test-client request runs in the test's thread and its middleware activates the visitor's
    language there without deactivating it, so an English request would leak English into the
    next test's non-request code (labels computed with gettext, cached per language).
    """
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test's writes are rolled back without a new content version: pages rendered from
    them must not outlive the test (catalogue/httpcache.py)."""
    yield
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _no_search_structures_from_rolled_back_rows():
    """The search engine's per-process structures follow the index journal, whose rows a
    test's rollback takes back (catalogue/search/delta.py): each test starts without them."""
    yield
    from catalogue.search import idsets

    idsets.forget()


@pytest.fixture(autouse=True, scope="session")
def _own_media_folder():
    """Each run writes media to its own folder (see settings.test), removed at the end."""
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
