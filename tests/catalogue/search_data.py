"""Real records for the search tests: the FFE laureates and the Apriles harvest, loaded once
per test session through the harvests' write path (`catalogue.services.upsert_projects_bulk`),
given back to each module (tests.snapshots) and rolled back when the module ends.

Besides the real records, the loader makes one project private (a view restriction), one
unpublished, one a "coup de cœur" and one no longer listed by its source, so tests can check
that private and unpublished projects never show and that the other facets count right.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from tests.snapshots import load_once

# Records per source loaded for the tests: enough for every facet to have several values,
# few enough to keep each test's queries fast.
RECORDS_PER_SOURCE = 100
FFE_SOURCE = "La France s'engage"
APRILES_SOURCE = "Apriles"


def data_dir() -> Path:
    return Path(os.environ.get("SHARED_DATA_DIR", settings.SHARED_DATA_DIR))


def harvest_real_records(per_source: int) -> None:
    """The first `per_source` FFE laureates and Apriles records, written as a harvest writes
    them (`services.upsert_projects_bulk`, one batch per source): for the browser journeys,
    whose transactional tests load their site again for each test. Twelve times faster than
    `upsert_project` per record (0.45 s against 5.4 s for 2 × 15 records), and the pages are
    the same (tests/catalogue/test_bulk.py compares them field by field)."""
    from itertools import islice

    from catalogue import services
    from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates

    for reader, name, key in (
        (read_ffe_laureates, "ffe-laureates.csv", FFE_SOURCE),
        (read_apriles_export, "apriles-export.csv", APRILES_SOURCE),
    ):
        partner = services.upsert_partner(key)
        records = islice(reader(data_dir() / name), per_source)
        with services.bulk_change():
            for _outcome in services.upsert_projects_bulk(records, source_key=key, partner=partner):
                pass


@dataclass
class RealCatalogue:
    tree: object
    ffe: object
    apriles: object
    pages: list = field(default_factory=list)
    # page pk -> (record, source key, partner page), to replay a harvest of a record
    records: dict = field(default_factory=dict)
    private: object = None
    unpublished: object = None
    favourite: object = None
    unlisted: object = None


def load_real_catalogue(limit: int | None = None) -> RealCatalogue:
    """The first `limit` records of each source (all: None), written as a harvest writes them
    (`services.upsert_projects_bulk`: the pages are those `upsert_project` makes, field by
    field, tests/catalogue/test_bulk.py), then the private, unpublished, favourite and
    unlisted projects made through the services."""
    from itertools import islice

    from wagtail.models import PageViewRestriction

    from catalogue import services
    from catalogue.models import ProjectPage, ProjectSource
    from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates

    tree = services.ensure_site_tree()
    ffe = services.upsert_partner("Fondation La France s'engage")
    apriles = services.upsert_partner("APRILES")
    catalogue = RealCatalogue(tree=tree, ffe=ffe, apriles=apriles)
    sources = (
        (read_ffe_laureates(data_dir() / "ffe-laureates.csv"), FFE_SOURCE, ffe),
        (read_apriles_export(data_dir() / "apriles-export.csv"), APRILES_SOURCE, apriles),
    )
    for records, source_key, partner in sources:
        with services.bulk_change():
            outcomes = services.upsert_projects_bulk(
                islice(records, limit), source_key=source_key, partner=partner
            )
            written = [o for o in outcomes if o.page_id is not None]
        pages = ProjectPage.objects.in_bulk([o.page_id for o in written])
        for outcome in written:
            catalogue.pages.append(pages[outcome.page_id])
            catalogue.records[outcome.page_id] = (outcome.record, source_key, partner)

    located = (
        ProjectPage.objects.live().filter(latitude__isnull=False).exclude(summary="").order_by("pk")
    )
    catalogue.private = located[0]
    PageViewRestriction.objects.create(
        page=catalogue.private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    catalogue.unpublished = located[1]
    catalogue.unpublished.unpublish()
    catalogue.favourite = located[2]
    services.set_coup_de_coeur(catalogue.favourite, True)
    catalogue.unlisted = located[3]
    source = ProjectSource.objects.filter(project=catalogue.unlisted).first()
    source.still_listed = False
    source.save()
    return catalogue


@pytest.fixture(scope="module")
def real_catalogue(django_db_setup, django_db_blocker):
    """The real records, loaded for the module inside a transaction rolled back after it (the
    first module runs the loader, the next ones get its rows back: `tests.snapshots`).

    Tests also request `db`: each runs in a savepoint inside this transaction.
    """
    # Wagtail's own search index is not what these tests read: skip its upkeep while loading.
    backends = {
        name: {**params, "AUTO_UPDATE": False}
        for name, params in settings.WAGTAILSEARCH_BACKENDS.items()
    }
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            cache.clear()
            with override_settings(WAGTAILSEARCH_BACKENDS=backends):
                loaded = load_once(
                    f"real_catalogue:{RECORDS_PER_SOURCE}",
                    lambda: load_real_catalogue(limit=RECORDS_PER_SOURCE),
                )
            yield loaded
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()
