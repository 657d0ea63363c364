"""PostgreSQL, real concurrent transactions: a writer that commits late, after a reader went past
a later event, is still read from the cursor that reader kept (SQLite has one writer at a time,
so ids are given in commit order there and the case cannot arise)."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from catalogue import changes, services
from catalogue.models import ChangeEvent
from catalogue.records import ProjectRecord
from tests.catalogue.test_changefeed import follow

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _page(n):
    record = ProjectRecord(
        title=f"Projet {n}", source_id=str(n), summary="Un projet.", postal_code="64000",
        city="Pau",
    )  # fmt: skip
    return services.upsert_project(record, source_key="Source").page


def test_a_transaction_committing_late_is_not_skipped():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    services.ensure_site_tree()
    slow_page, quick_page = _page(1), _page(2)
    client = Client()
    _items, cursor, _count = follow(client, "/api/changes")
    written, release = threading.Event(), threading.Event()

    def long_transaction():
        try:
            with transaction.atomic():
                changes.changed(pages=[slow_page.pk])  # its event id comes first
                written.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    assert written.wait(30)
    changes.changed(pages=[quick_page.pk])  # commits at once (autocommit), after it
    seen, cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    assert [i["project"] for i in seen] == [quick_page.pk]
    release.set()
    thread.join(30)
    late = ChangeEvent.objects.get(page_id=slow_page.pk, current=True)
    quick = ChangeEvent.objects.get(page_id=quick_page.pk, current=True)
    assert late.pk < quick.pk and late.version > quick.version
    seen, _cursor, _count = follow(client, f"/api/changes?cursor={cursor}")
    assert [i["project"] for i in seen] == [slow_page.pk]
