"""Freshness through real harvests: a loopback server publishing schema.org JSON-LD pages (a
peer source), harvested run after run. Each run confirms the records it lists; a record no
longer listed is labelled, then archived after FRESHNESS_ARCHIVE_AFTER_RUNS runs (410 Gone),
and comes back when listed again."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from catalogue import archive, confirmation, services
from catalogue.models import ChangeEvent, ProjectSource
from catalogue.search import SearchQuery, execute
from importers.harvest import run_source
from importers.models import HarvestRun, Source

pytestmark = pytest.mark.django_db


class Partner:
    """A loopback server: path -> HTML page holding one project's JSON-LD."""

    def __init__(self):
        self.pages: dict[str, bytes] = {}
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                body = partner.pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, n: int) -> str:
        data = {
            "@context": "https://schema.org",
            "@type": "Project",
            "name": f"Jardin partagé numéro {n}",
            "identifier": f"jardin-{n}",
            "description": f"Un jardin partagé de quartier, le {n}e de la ville.",
        }
        html = f'<html><script type="application/ld+json">{json.dumps(data)}</script></html>'
        self.pages[f"/jardins/{n}/"] = html.encode()
        return f"{self.base}/jardins/{n}/"


@pytest.fixture
def partner(db):
    server = Partner()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _pages():
    rows = ProjectSource.objects.filter(source_key="Jardins").select_related("project")
    return {row.source_id: row.project for row in rows}


def _fresh(value):
    query = SearchQuery.from_params({"fraicheur": value}, per_page=100)
    return {p.pk for p in execute(query).results}


def _run(source, urls):
    source.config = {"format": "jsonld", "urls": urls}
    source.save()
    run = run_source(source)
    assert run.status == HarvestRun.Status.SUCCESS, run.message
    return run


def test_runs_confirm_label_archive_and_bring_back(
    partner, client, settings, django_capture_on_commit_callbacks
):
    settings.FRESHNESS_ARCHIVE_AFTER_RUNS = 2
    services.ensure_site_tree()
    urls = [partner.publish(n) for n in range(3)]
    source = Source.objects.create(
        name="Jardins", kind="peer", normaliser="generic", download_delay=0, unlisted_after=1
    )
    first = _run(source, urls)
    assert first.created == 3 and first.complete
    pages = _pages()
    for page in pages.values():
        found = confirmation.confirmation_of(page)
        assert (found.by, found.source) == ("source", "Jardins")
        assert found.at >= first.started_at
    html = client.get(pages["jardin-0"].url).content.decode()
    assert "par la source Jardins" in html
    ids = {p.pk for p in pages.values()}
    assert _fresh("moins-1-an") == ids

    # A year and a month later (the daily job run for that day): "1-2 ans".
    later = timezone.now() + timedelta(days=400)
    assert confirmation.age_index(later) == 3
    assert _fresh("1-2-ans") == ids

    # The next run sees them unchanged: confirmed again, "moins d'un an" at once.
    second = _run(source, urls)
    assert second.unchanged == 3
    assert _fresh("moins-1-an") == ids
    for page in pages.values():
        assert confirmation.confirmation_of(page).at >= second.started_at

    # The partner drops the third garden: labelled after one run, archived after two.
    gone = pages["jardin-2"]
    _run(source, urls[:2])
    gone.refresh_from_db()
    assert gone.live and not archive.is_archived(gone)
    assert "plus référencé" in client.get(gone.url).content.decode()
    # Committed, as a run is (the change feed shows an event once its transaction commits).
    with django_capture_on_commit_callbacks(execute=True):
        _run(source, urls[:2])
    gone.refresh_from_db()
    assert not gone.live and archive.is_archived(gone)
    assert client.get(gone.url).status_code == 410
    assert ChangeEvent.objects.get(page_id=gone.pk, current=True).kind == "archived"
    feed = client.get("/api/changes").json()["results"]
    assert {"kind": "archived"}.items() <= next(
        e for e in feed if e.get("project") == gone.pk
    ).items()
    assert gone.pk not in {r["id"] for r in client.get("/api/projects").json()["results"]}

    # Listed again: published, 200, confirmed by this run.
    back = _run(source, urls)
    gone.refresh_from_db()
    assert gone.live and not archive.is_archived(gone)
    assert client.get(gone.url).status_code == 200
    assert confirmation.confirmation_of(gone).at >= back.started_at
