"""A smaller slice of the real records (FFE + Apriles) for the map and statistics tests.

Same loader as the search tests (`search_data.load_real_catalogue`: real records as a harvest
writes them, one private, one unpublished, one coup de cœur, one no longer listed), limited
per source so each test's figures stay small enough to check by hand.
"""

import pytest
from django.core.cache import cache
from django.db import transaction

from tests.catalogue.search_data import load_real_catalogue
from tests.snapshots import load_once

PER_SOURCE = 45


@pytest.fixture(scope="module", name="catalogue_slice")
def catalogue_slice_fixture(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            cache.clear()
            yield load_once(
                f"catalogue_slice:{PER_SOURCE}", lambda: load_real_catalogue(limit=PER_SOURCE)
            )
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()
