"""The catalogue renders without the community app (catalogue.slots): a project page, the
project index (a search) and an article page, anonymous and signed in, in a subprocess whose
settings drop community from INSTALLED_APPS and its routes from the URLs. The same script with
the full settings (in this process) shows what community puts in the slots, so the test cannot
pass vacuously."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = ("project", "index", "article")


def _render(settings_module: str) -> dict:
    # On SQLite whatever this run's engine: the question is what community's absence changes,
    # and a PostgreSQL database migrated for this one script took 25-40 s of the suite.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": f"sqlite:///{ROOT / 'var' / f'alone-{os.getpid()}.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.catalogue.alone.render"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def alone():
    return _render("tests.catalogue.alone.settings")


@pytest.fixture(scope="module")
def with_community(django_db_setup, django_db_blocker):
    """The same script in this process (the full settings), in a transaction rolled back
    after it: a second subprocess would migrate a database of its own for nothing."""
    from django.db import transaction

    from tests.catalogue.alone.render import _render as render_pages

    with django_db_blocker.unblock():
        with transaction.atomic():
            pages = render_pages(apps.is_installed("community"))
            transaction.set_rollback(True)
    return json.loads(json.dumps(pages))


def test_the_catalogue_renders_without_community(alone):
    assert alone["community_installed"] is False
    for key, page in alone["pages"].items():
        assert page["status"] == 200, (key, page["html"][-2000:])
    pages = alone["pages"]
    assert "Épicerie solidaire du Blosne" in pages["project"]["html"]
    assert "Épicerie solidaire du Blosne" in pages["index"]["html"]
    assert "Le catalogue tient debout" in pages["article"]["html"]
    for page in pages.values():
        # Nothing of community: no comment thread, holders' panel, feed link or account page.
        assert 'class="comments' not in page["html"]
        assert "/compte/" not in page["html"]
        assert "application/atom+xml" not in page["html"]
    assert "Déconnexion" in pages["project-signed-in"]["html"]


def test_community_fills_the_same_slots(with_community):
    assert with_community["community_installed"] is True
    pages = with_community["pages"]
    for key, page in pages.items():
        assert page["status"] == 200, key
    assert 'class="comments' in pages["project"]["html"]
    assert 'class="comments' in pages["article"]["html"]
    assert "application/atom+xml" in pages["index"]["html"]
    assert "/compte/" in pages["project-signed-in"]["html"]
