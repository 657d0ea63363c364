"""Harvesting fixtures: a real HTTP server on 127.0.0.1 serving the Apriles mock site plus
fault routes, and a helper that runs a crawl in a subprocess (the reactor cannot restart).

``local_site`` is session-scoped; tests may add routes of their own with ``route()`` under
a path no other test uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("SHARED_DATA_DIR", REPO.parent / "shared" / "data"))
MOCK_APRILES = SHARED_DATA / "mock-apriles"

#: Scrapy settings for tests: no politeness delay against our own server, short timeouts.
FAST_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5}

ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
SLOW_SECONDS = 4.0


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class LocalSite:
    """A static directory plus programmable routes; counts hits and remembers User-Agents."""

    def __init__(self, root: Path):
        self.root = root
        self.routes: dict[str, Route] = {}
        self.hits: Counter = Counter()
        self.user_agents: set[str] = set()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> str:
        """Serve ``body`` at ``path`` (query string included if given); returns its URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        self.routes["/" + path.lstrip("/")] = Route(body, status, all_headers, delay)
        return self.url(path)

    def redirect(self, path: str, target: str, status: int = 302) -> str:
        return self.route(path, b"", status, content_type="", headers={"Location": target})

    def hits_for(self, path: str) -> int:
        with self.lock:
            return self.hits["/" + path.lstrip("/")]


def _handler_for(site: LocalSite):
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site.root), **kwargs)

        def log_message(self, format, *args):  # keep test output clean
            pass

        def _route(self) -> Route | None:
            with site.lock:
                site.hits[self.path] += 1
                site.user_agents.add(self.headers.get("User-Agent", ""))
            return site.routes.get(self.path) or site.routes.get(urlsplit(self.path).path)

        def do_GET(self):
            route = self._route()
            if route is None:
                return super().do_GET()
            if route.delay:
                time.sleep(route.delay)
            try:
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients hanging up on purpose are not errors here


# --- the fault site --------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8" />
<title>{title}</title></head><body><div id="content">{body}</div></body></html>"""


def _list_item(href: str, title: str, summary: str = "", img: str = "") -> str:
    image = f'<img src="{img}" alt="" />' if img else ""
    return (
        f'<tr><td valign="top"><span class="sobi2ItemTitle"><a href="{href}">{title}</a></span>'
        f'<br /><span class="sobi2Listing_field_objectif">{image}{summary}</span></td></tr>'
    )


def _list_page(items: list[str], next_href: str | None) -> str:
    pager = f'<a title="Suivante" href="{next_href}">Suivante</a>' if next_href else ""
    body = (
        f'<table class="sobi2Listing">{"".join(items)}</table><div class="pagination">{pager}</div>'
    )
    return _PAGE.format(title="Liste", body=body)


def _detail(region: str, porteur: str, tags: list[str], contact: str = "") -> str:
    lis = "".join(f"<li>{t}</li>" for t in tags)
    return (
        '<div class="sobi2Details">'
        '<div class="sobi2Details_porteur"><span id="sobi2Listing_field_porteur_label">Porteur'
        f"&nbsp;:</span><br />{contact}</div>"
        f'<span id="sobi2Details_field_porteur_action">{porteur}</span>'
        f'<span id="sobi2Details_field_region">{region}</span>'
        f'<ul class="sobi2Listing_field_type_action">{lis}</ul></div>'
    )


#: Fault pages, by path. Detail pages keep the Apriles structure so the real config reads them.
FAULT_ITEMS = [
    # (href from /faults/list-1.html, title, what happens)
    ("../fiches/1637.html", "Fiche réelle", "ok"),
    ("missing.html", "Fiche disparue", "404"),
    ("broken.html", "Serveur en panne", "500"),
    ("slow.html", "Serveur trop lent", "timeout"),
    ("loop-a.html", "Boucle", "redirect loop"),
    ("malformed.html", "HTML cassé", "ok"),
    ("cp1252.html", "Page Windows-1252", "ok"),
    ("cp1252-meta.html", "Page Windows-1252 (meta)", "ok"),
    ("../fiches/1637.html", "Fiche réelle en double", "duplicate"),
    ("../private/secret.html", "Interdite", "robots"),
    ("empty.html", "", "empty"),
]


def install_fault_routes(site: LocalSite) -> None:
    site.route("robots.txt", ROBOTS_TXT, content_type="text/plain")
    items = [
        _list_item(href, title, summary=f"Résumé : {what}") if title else _list_item(href, "")
        for href, title, what in FAULT_ITEMS
    ]
    site.route("faults/list-1.html", _list_page(items, "list-2.html"))
    # A redesign: the items are no longer in table.sobi2Listing, the pager still is.
    redesigned = (
        '<div class="cards"><div class="card"><a href="../fiches/1636.html">Nouvelle carte</a>'
        '</div></div><div class="pagination"><a title="Suivante" href="list-3.html">Suivante</a></div>'
    )
    site.route("faults/list-2.html", _PAGE.format(title="Refonte", body=redesigned))
    # Last page links back to the first one: a pagination loop must stop, not spin.
    site.route(
        "faults/list-3.html",
        _list_page([_list_item("../fiches/1634.html", "Après la refonte")], "list-1.html"),
    )
    site.route("faults/missing.html", "<h1>Introuvable</h1>", status=404)
    site.route("faults/broken.html", "<h1>Erreur interne</h1>", status=500)
    site.route(
        "faults/slow.html",
        _PAGE.format(title="Lent", body=_detail("Bretagne", "Lente", ["Jeunesse"])),
        delay=SLOW_SECONDS,
    )
    site.redirect("faults/loop-a.html", "/faults/loop-b.html")
    site.redirect("faults/loop-b.html", "/faults/loop-a.html")
    malformed = (
        "<html><head><title>Cassé</title><body><div class='sobi2Details'>"
        '<span id="sobi2Details_field_porteur_action">Association <b>Pas & Fermée'
        '<span id="sobi2Details_field_region">Auvergne</span><p><div>'
        '<ul class="sobi2Listing_field_type_action"><li>Jeunesse<li>Education</ul>'
        "<table><tr><td>R&D < 5 salariés"
    )
    site.route("faults/malformed.html", malformed)
    cp_body = _detail(
        "Franche-Comté", "Œuvre d’entraide – Bâle", ["Lutte contre l'exclusion sociale"]
    )
    site.route(
        "faults/cp1252.html",
        _PAGE.replace("charset=utf-8", "charset=windows-1252")
        .format(title="Entraide", body=cp_body)
        .encode("cp1252"),
        content_type="text/html; charset=windows-1252",
    )
    cp_meta = _detail("Île-de-France", "Société coopérative – Évry", ["Vie des séniors"])
    site.route(
        "faults/cp1252-meta.html",
        _PAGE.replace("charset=utf-8", "charset=windows-1252")
        .format(title="Évry", body=cp_meta)
        .encode("cp1252"),
        content_type="text/html",  # no charset in the header: the meta tag must be honoured
    )
    site.route("faults/empty.html", _PAGE.format(title="Vide", body="<p>Rien ici.</p>"))
    site.route("private/secret.html", _PAGE.format(title="Secret", body=_detail("X", "Y", [])))


@pytest.fixture(scope="session")
def local_site():
    """The mock Apriles site at ``/`` plus fault routes under ``/faults/``, on 127.0.0.1."""
    site = LocalSite(MOCK_APRILES)
    server = _Server(("127.0.0.1", 0), _handler_for(site))
    site.server = server
    install_fault_routes(site)
    thread = threading.Thread(target=server.serve_forever, name="local-site", daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def openscraper():
    with open(SHARED_DATA / "openscraper-spiders.json", encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="session")
def apriles_expected():
    with open(MOCK_APRILES / "EXPECTED.json", encoding="utf-8") as handle:
        return json.load(handle)


def openscraper_spider(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in data["spiders"] if s["infos"]["name"] == name)


@dataclass
class CrawlOutput:
    items: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    result: dict[str, Any]
    events: list[dict[str, Any]]
    returncode: int
    stderr: str

    def errors_of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.errors if e["kind"] == kind]


def run_crawl_subprocess(
    config_dict: dict[str, Any],
    workdir: Path,
    *,
    limit: int | None = None,
    settings: dict[str, Any] | None = None,
    timeout: float = 240,  # a hang guard, not a speed limit (a loaded CI machine)
    prelude: str = "",
    env: dict[str, str | None] | None = None,
) -> CrawlOutput:
    """Run ``importers.crawl.cli`` in a fresh interpreter and parse its JSON lines.

    ``prelude``: Python run first in that interpreter (a test's fake resolver); ``env``:
    variables set (a value) or removed (None) for it."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "config.json"
    out_path = workdir / "out.jsonl"
    config_path.write_text(json.dumps(config_dict, ensure_ascii=False), encoding="utf-8")
    cmd = [sys.executable, "-m", "importers.crawl.cli", str(config_path), str(out_path)]
    if prelude:
        run_cli = "\nimport runpy\nrunpy.run_module('importers.crawl.cli', run_name='__main__')\n"
        cmd[1:3] = ["-c", prelude + run_cli]
    cmd += ["--settings", json.dumps({**FAST_SETTINGS, **(settings or {})})]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    proc = subprocess.run(
        cmd, cwd=REPO, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )
    events = []
    if out_path.exists():
        events = [json.loads(line) for line in out_path.read_text(encoding="utf-8").splitlines()]
    result = next((e for e in events if e["event"] == "result"), {})
    return CrawlOutput(
        items=[e["item"] for e in events if e["event"] == "item"],
        errors=[e["error"] for e in events if e["event"] == "error"],
        result=result,
        events=events,
        returncode=proc.returncode,
        stderr=proc.stderr,
    )


@pytest.fixture
def run_crawl(tmp_path):
    """``run_crawl(config, limit=None, settings=None)`` → ``CrawlOutput`` (subprocess)."""
    counter = iter(range(1000))

    def run(config, **kwargs) -> CrawlOutput:
        data = config if isinstance(config, dict) else config.to_dict()
        return run_crawl_subprocess(data, tmp_path / f"crawl-{next(counter)}", **kwargs)

    return run
