"""schemathesis against /api/openapi.json: every endpoint and parameter, bad values included,
answers without a server error and as the schema says (bounded examples, kept short)."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from catalogue import services
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db


def _app():
    from carrefour.wsgi import application

    return application


@pytest.fixture(autouse=True)
def _catalogue(db):
    services.ensure_site_tree()
    for n, (city, pc) in enumerate([("Pau", "64000"), ("Lyon", "69003")]):
        services.upsert_project(
            ProjectRecord(
                title=f"Projet {n}",
                source_id=str(n),
                source_url=f"https://p.example/{n}",
                postal_code=pc,
                city=city,
                codes=["COH"],
            ),
            source_key="Essai",
        )


@pytest.fixture
def api_schema(_catalogue):
    # As Django's test client does: the test's transaction outlives each request.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/openapi.json", _app())
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def test_api_answers_as_its_schema_says(api_schema):
    """Every operation, with generated valid and invalid values (a few dozen cases each)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            # The WSGI client does not inflate gzip: ask for the plain body.
            case.call_and_validate(headers={"Accept-Encoding": "identity"})

        check()
