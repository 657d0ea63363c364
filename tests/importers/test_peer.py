"""A peer's change feed as a source: harvested over HTTP (a loopback server serving feed pages
the real app generated), then again incrementally from the cursor the first run reached."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.test import Client

from catalogue import jsonld, services
from catalogue.models import ProjectPage, ProjectSource
from catalogue.records import ProjectRecord
from importers.harvest import run_source
from importers.models import HarvestRun, Source

pytestmark = pytest.mark.django_db


class Peer:
    """A loopback server answering the snapshots it holds (path?query -> body), 404 else."""

    def __init__(self):
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.requests: list[str] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                peer.requests.append(self.path)
                found = peer.pages.get(self.path)
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", found[0] if found else "text/plain")
                self.end_headers()
                self.wfile.write(found[1] if found else b"not found")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def snapshot(self, client: Client, path: str) -> str:
        """Follow the app's feed from `path`, storing each page as this peer serves it;
        returns the cursor reached."""
        cursor = ""
        while path:
            response = client.get(path)
            assert response.status_code == 200
            body = response.content.decode().replace("http://testserver", self.base)
            self.pages[path] = (response["Content-Type"], body.encode())
            data = response.json()
            cursor = data["cursor"]
            path = (
                urlsplit(data["next"]).path + "?" + urlsplit(data["next"]).query
                if data["next"]
                else ""
            )
        return cursor

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site_tree(db):
    return services.ensure_site_tree()


@pytest.fixture
def peer():
    server = Peer()
    yield server
    server.close()


def _record(n, **extra):
    values = {
        "title": f"Projet du pair {n}",
        "source_id": str(n),
        "source_url": f"https://pair.example/fiche/{n}",
        "summary": f"Résumé {n} chez le pair.",
        "postal_code": "44000",
        "city": "Nantes",
        "structure_name": f"Association {n}",
    }
    return ProjectRecord(**{**values, **extra})


def _copies():
    """Our pages listed by the peer source: peer id -> page."""
    rows = ProjectSource.objects.filter(source_key="Pair").select_related("project")
    return {row.source_id: row for row in rows}


def test_peer_feed_harvested_twice_incrementally(
    site_tree, peer, django_capture_on_commit_callbacks
):
    client = Client()
    # The feed lists changes once committed (their version is stamped at commit).
    with django_capture_on_commit_callbacks(execute=True):
        origin = [services.upsert_project(_record(n), source_key="Origine").page for n in range(3)]
    first_cursor = peer.snapshot(client, "/api/changes?page_size=2")
    # The peer changes: one updated, one withdrawn, one new; the feed from the cursor on.
    with django_capture_on_commit_callbacks(execute=True):
        services.upsert_project(
            _record(0, summary="Un résumé revu par le pair."), source_key="Origine"
        )
        origin[1].unpublish()
        origin.append(services.upsert_project(_record(3), source_key="Origine").page)
    peer.snapshot(client, f"/api/changes?page_size=2&cursor={first_cursor}")
    ids = [str(page.pk) for page in origin]
    # The peer is another platform: its pages are not ours (no duplicate to recognise).
    for page in ProjectPage.objects.filter(pk__in=[p.pk for p in origin]):
        page.delete()

    source = Source.objects.create(
        name="Pair",
        kind="peer",
        normaliser="generic",
        download_delay=0,
        unpublish_unlisted=True,
        config={"url": f"{peer.base}/api/changes?page_size=2"},
    )
    run = run_source(source)
    assert run.status == HarvestRun.Status.SUCCESS, run.message
    assert (run.created, run.complete) == (3, True)
    copies = _copies()
    assert set(copies) == set(ids[:3])
    assert copies[ids[0]].project.summary == "Résumé 0 chez le pair."
    assert copies[ids[0]].project.city == "Nantes"
    assert copies[ids[0]].project.structure_name == "Association 0"
    assert all(c.project.live for c in copies.values())
    assert run.diagnostics["info"]["peer_cursor"] == first_cursor

    peer.requests.clear()
    run = run_source(source)
    assert run.status == HarvestRun.Status.SUCCESS, run.message
    # Only the changes were fetched, from the cursor the first run reached.
    assert peer.requests[0] == f"/api/changes?page_size=2&cursor={first_cursor}"
    assert all("cursor=" in path for path in peer.requests)
    assert (run.created, run.updated, run.unlisted, run.complete) == (1, 1, 1, False)
    copies = _copies()
    assert set(copies) == set(ids)
    for copy in copies.values():
        copy.project.refresh_from_db()
    assert copies[ids[0]].project.summary == "Un résumé revu par le pair."
    assert not copies[ids[1]].still_listed and not copies[ids[1]].project.live
    assert copies[ids[3]].project.title == "Projet du pair 3"

    # Nothing new at the peer: a third run asks from the new cursor and changes nothing.
    peer.pages[f"/api/changes?page_size=2&cursor={run.diagnostics['info']['peer_cursor']}"] = (
        "application/json",
        b'{"count": 0, "cursor": "", "next": null, "results": []}',
    )
    third = run_source(source)
    assert third.status == HarvestRun.Status.SUCCESS, third.message
    assert (third.created, third.updated, third.unlisted) == (0, 0, 0)


def test_peer_json_ld_pages(site_tree, peer):
    """A platform that only publishes schema.org JSON-LD on its pages (as Carrefour does)."""
    page = services.upsert_project(
        _record(7, website="https://asso7.example/", tags=["jardin partagé"]),
        source_key="Origine",
    ).page
    html = Client().get(page.url).content
    assert jsonld.extract(html.decode())
    peer.pages["/projets/7/"] = ("text/html; charset=utf-8", html)
    peer.pages["/projets/hostile/"] = (
        "text/html",
        b'<script type="application/ld+json">{"@type": "Project", "name": "<b>X</b> '
        b'\\u003cscript\\u003ealert(1)\\u003c/script\\u003e", "identifier": "h"}</script>',
    )
    # A raw </script> inside the data ends the element: the JSON is cut, the page refused.
    peer.pages["/projets/broken/"] = (
        "text/html",
        b'<script type="application/ld+json">{"@type": "Project", "name": "</script>"}</script>',
    )
    page.delete()
    source = Source.objects.create(
        name="Pair JSON-LD",
        kind="peer",
        normaliser="generic",
        download_delay=0,
        config={
            "format": "jsonld",
            "urls": [
                f"{peer.base}/projets/7/",
                f"{peer.base}/projets/hostile/",
                f"{peer.base}/projets/broken/",
            ],
        },
    )
    run = run_source(source)
    assert run.created == 2, run.message
    assert run.status == HarvestRun.Status.PARTIAL  # the broken page is reported
    copy = ProjectSource.objects.get(source_key="Pair JSON-LD", source_id=str(page.pk)).project
    assert (copy.title, copy.city, copy.structure_name) == (
        "Projet du pair 7",
        "Nantes",
        "Association 7",
    )
    assert copy.website == "https://asso7.example/"
    hostile = ProjectSource.objects.get(source_key="Pair JSON-LD", source_id="h").project
    assert "<" not in hostile.title and "X" in hostile.title
