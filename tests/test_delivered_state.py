"""The product as delivered: the state `make run` leaves, built once, checked as a user meets it.

The `site` fixture (built once for the module) runs the real commands in subprocesses with the
development settings, as `make run` does: `migrate`, `load_sample_data`, `create_demo_admin`,
in a database of its own (a fresh SQLite file, or a fresh PostgreSQL database when the run's
DATABASE_URL is PostgreSQL) and a media folder of its own, then serves it with `runserver` on a
free port. Nothing is shared with the other tests' databases.

Tests read it over HTTP and in the real browser, and compare what they see with `site.facts`:
the truth computed from the project pages themselves (`FACTS`), never from derived data (map
clusters, search index, dumps), which is what is being checked.

To add a check: a test taking `site` (HTTP: `site.get(path)`, commands: `site.manage(...)`) or
`tab` (a browser tab on the site, `tab.errors` collects console errors); a page in `PAGES` is
rendered in the browser by `test_every_page_type_renders_without_errors`; a fact the check
needs goes into `FACTS`.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
WORLD = "-180,-90,180,90"
COMMAND_TIMEOUT = 900
# Answers requests to other hosts (map tiles): this machine has no internet.
TRANSPARENT_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

# The pages a first visitor meets (path, or a key of `site.facts["urls"]`): each must render in
# the browser with no console error and no failed resource.
PAGES = [
    "/",
    "projects",
    "projects_filtered",
    "project",
    "partners",
    "partner",
    "map",
    "statistics",
    "api",
    "login",
    "signup",
    "/territoires/departement/44/",
]

# Run by `manage.py shell` in the delivered database; prints one JSON object.
FACTS = r"""
import json
from urllib.parse import urlsplit
from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from catalogue.models import PartnerIndexPage, PartnerPage, ProjectIndexPage, ProjectPage
from catalogue.models import TaxonomyGroup

live = ProjectPage.objects.live().public().order_by()
located = live.filter(latitude__isnull=False, longitude__isnull=False)
partners = PartnerPage.objects.live().annotate(
    n=Count("project_sources__project", distinct=True,
            filter=Q(project_sources__project__in=live.values("pk"))))
top = max(partners, key=lambda p: p.n)
project = located.order_by("pk").first()
domain = (TaxonomyGroup.objects.filter(family="domaines", codes__projects__in=live.values("pk"))
          .annotate(n=Count("pk")).order_by("-n").first())
projects = ProjectIndexPage.objects.first().url
urls = {
    "project": project.url, "partner": top.url, "projects": projects,
    "projects_filtered": f"{projects}?domaine={domain.slug}",
    "partners": PartnerIndexPage.objects.first().url,
    "map": reverse("map-page"), "statistics": reverse("statistics"), "api": reverse("api-docs"),
    "login": reverse("account_login"), "signup": reverse("account_signup"),
}
print(json.dumps({
    "live_ids": sorted(live.values_list("pk", flat=True)),
    "located": list(located.values_list("pk", "latitude", "longitude")),
    "partners": {p.title: {"count": p.n, "slug": p.slug} for p in partners},
    "urls": urls,
    "tile_host": urlsplit(settings.MAP_TILE_URL).netloc,
    "by_department": dict(live.exclude(department_code="").values_list("department_code")
                          .annotate(n=Count("pk")).values_list("department_code", "n")),
    "by_insee": dict(live.exclude(insee_code="").values_list("insee_code")
                     .annotate(n=Count("pk")).values_list("insee_code", "n")),
}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Database:
    """A database of the site's own: a fresh SQLite file, or a fresh PostgreSQL database."""

    def __init__(self, folder: Path):
        self.base = os.environ.get("DATABASE_URL", "")
        self.postgres = self.base.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            self.name = f"carrefour_delivered_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self.url = self.base.rsplit("/", 1)[0] + "/" + self.name
            self._admin(f'CREATE DATABASE "{self.name}"')
        else:
            self.url = f"sqlite:///{folder / 'carrefour.sqlite3'}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
            db.execute(sql)

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass
class DeliveredSite:
    url: str
    env: dict
    media: Path
    facts: dict = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run `manage.py` on the delivered database, as `make run` does."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        self.log.append(f"$ manage.py {' '.join(args)} -> {result.returncode}")
        if check and result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}",
                pytrace=False,
            )
        return result

    def get(self, path: str, *, status: int = 200) -> tuple[bytes, dict]:
        """GET a path of the running site; returns (body, headers)."""
        url = path if path.startswith("http") else self.url + path
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                body, headers, code = response.read(), dict(response.headers), response.status
        except urllib.error.HTTPError as error:
            body, headers, code = error.read(), dict(error.headers), error.code
        assert code == status, f"GET {path}: {code}\n{body[:2000]!r}"
        return body, headers

    def json(self, path: str) -> dict:
        return json.loads(self.get(path)[0])

    def html(self, path: str) -> BeautifulSoup:
        return BeautifulSoup(self.get(path)[0], "html.parser")

    def page_url(self, key: str) -> str:
        return self.facts["urls"].get(key, key)


def _wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"runserver exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/", timeout=10):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"runserver did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`make run`'s state in a fresh database, served on a free port (built once)."""
    folder = tmp_path_factory.mktemp("delivered")
    database = _Database(folder)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "CARREFOUR_TEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="carrefour.settings.dev",
        DJANGO_DEBUG="1",
        DATABASE_URL=database.url,
        MEDIA_ROOT=str(folder / "media"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)  # the site's own caches, not a shared Redis
    port = _free_port()
    delivered = DeliveredSite(url=f"http://127.0.0.1:{port}", env=env, media=folder / "media")
    server = None
    try:
        delivered.manage("migrate", "--noinput", "-v0")
        delivered.manage("load_sample_data")
        delivered.manage("create_demo_admin")
        delivered.facts = json.loads(delivered.manage("shell", "-v0", "-c", FACTS).stdout)
        server_log = open(folder / "runserver.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_until_serving(delivered.url, server)
        yield delivered
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            server_log.close()
        database.drop()


# ---------------------------------------------------------------------------------------------
# Derived data in step with the pages
# ---------------------------------------------------------------------------------------------
def test_check_catalogue_is_clean(site):
    result = site.manage("check_catalogue", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("carte", "index de recherche", "fichiers open data"):
        assert re.search(rf"^{name}\s+ok\b", result.stdout, re.M), result.stdout


def _map_total(payload: dict) -> tuple[int, set[int]]:
    """Projects a map answer shows, and the ids it names (points and single-project cells)."""
    if payload["mode"] == "points":
        return len(payload["points"]), {pk for pk, _lat, _lng in payload["points"]}
    clusters = payload["clusters"]
    return sum(c[2] for c in clusters), {c[3] for c in clusters if c[2] == 1}


def test_world_map_shows_every_geolocated_project(site):
    located = {pk for pk, _lat, _lng in site.facts["located"]}
    assert len(located) > 200  # the sample data: most projects are geolocated
    for zoom in (2, 5, 6, 9):
        payload = site.json(f"/api/map?bbox={WORLD}&zoom={zoom}")
        shown, ids = _map_total(payload)
        assert payload["total"] == shown == len(located), (zoom, payload["total"], shown)
        assert ids <= located


def test_dumps_exist_and_hold_every_live_project(site):
    live = site.facts["live_ids"]
    docs = site.html(site.page_url("api"))
    links = {Path(a["href"]).suffix: a["href"] for a in docs.select("a[download]")}
    assert set(links) == {".json", ".geojson", ".csv"}, links
    dump = json.loads(site.get(links[".json"])[0])
    assert dump["count"] == len(live)
    assert sorted(r["id"] for r in dump["results"]) == live
    geojson = json.loads(site.get(links[".geojson"])[0])
    assert sorted(f["properties"]["id"] for f in geojson["features"]) == live
    text = site.get(links[".csv"])[0].decode("utf-8-sig")
    assert sorted(int(row["id"]) for row in csv.DictReader(io.StringIO(text))) == live


def test_territory_figures_equal_the_search_engine_and_the_pages(site):
    """Territory figures (JSON) = the pages' own counts = the search API's counts for the
    same filter; "what is missing here" lists only domains with no project there."""
    from catalogue.territories import geo

    by_department, by_insee = site.facts["by_department"], site.facts["by_insee"]
    top = sorted(by_department, key=lambda code: -by_department[code])[:2]
    nantes = geo.get("commune", "44109")
    checks = [(f"departement/{code}", by_department[code], f"departement={code}") for code in top]
    checks.append(
        (
            "commune/44109",
            sum(by_insee.get(code, 0) for code in geo.commune_codes(nantes)),
            "territoire=commune/44109",
        )
    )
    for key, truth, params in checks:
        data = site.json(f"/api/territories/{key}")
        found = site.json(f"/api/projects?{params}&page_size=1")
        assert data["projects"] == truth == found["count"] > 0, key
        facet = {item["value"]: item["count"] for item in found["facets"]["domaine"]}
        assert {row["slug"]: row["count"] for row in data["domains"] if row["count"]} == facet
        assert {row["slug"] for row in data["missing"]} == {
            row["slug"] for row in data["domains"] if row["count"] == 0
        }
        page = site.html(data["territory"]["url"])
        assert page.select_one("[data-territory-count]").get_text() == str(truth)


def test_partners_show_their_real_counts(site):
    partners = site.facts["partners"]
    assert sum(1 for p in partners.values() if p["count"]) >= 2
    listing = site.html(site.page_url("partners"))
    shown = {}
    for card in listing.select("article.card"):
        title = card.select_one(".card__title").get_text(strip=True)
        metas = [m.get_text(strip=True) for m in card.select(".card__meta")]
        numbers = [int(m.split()[0]) for m in metas if re.fullmatch(r"\d+ projets?", m)]
        shown[title] = numbers[0] if numbers else None
    assert shown == {title: p["count"] for title, p in partners.items()}
    top = max(partners.items(), key=lambda item: item[1]["count"])
    page = site.html(site.page_url("partner"))
    facts = dict(
        zip(
            [dt.get_text(strip=True) for dt in page.select("dl.project__facts dt")],
            [dd.get_text(strip=True) for dd in page.select("dl.project__facts dd")],
            strict=True,
        )
    )
    assert facts["Projets apportés"] == str(top[1]["count"])
    # The catalogue filtered on that partner finds the same projects.
    assert site.json(f"/api/projects?partenaire={top[1]['slug']}")["count"] == top[1]["count"]


# ---------------------------------------------------------------------------------------------
# In the real browser
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def tab(browser, site):
    """A browser tab on the delivered site; `tab.errors` collects console and page errors."""
    context = browser.new_context(
        base_url=site.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.errors = []
    page.elsewhere = set()  # hosts other than the site's own the pages asked for

    def elsewhere(route):
        page.elsewhere.add(urllib.parse.urlsplit(route.request.url).netloc)
        route.fulfill(status=200, content_type="image/png", body=TRANSPARENT_PNG)

    context.route(lambda url: not url.startswith(site.url), elsewhere)
    page.on("pageerror", lambda error: page.errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error" and page.errors.append(f"console: {message.text}"),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and page.errors.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    try:
        yield page
    finally:
        context.close()


@pytest.mark.browser
def test_every_page_type_renders_without_errors(site, tab):
    located = site.facts["located"]
    problems = {}
    map_answers = []
    tab.on("response", lambda r: "/api/map?" in r.url and map_answers.append(r))
    for key in PAGES:
        path = site.page_url(key)
        tab.errors.clear()
        map_answers.clear()
        response = tab.goto(path, wait_until="networkidle")
        if response is None or response.status != 200:
            problems[path] = f"status {response.status if response else None}"
            continue
        if not tab.locator("main h1, main .h1, h1").first.is_visible():
            problems[path] = "no visible heading"
        if tab.errors:
            problems[path] = list(tab.errors)
        if key == "map":
            # What the map itself asked for (the France view): every geolocated project in it.
            assert map_answers, "the map page made no /api/map request"
            answer = map_answers[-1]
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.url).query)
            west, south, east, north = (float(v) for v in query["bbox"][0].split(","))
            inside = [
                pk for pk, lat, lng in located if south <= lat <= north and west <= lng <= east
            ]
            shown, _ids = _map_total(answer.json())
            assert shown == len(inside), (answer.url, shown, len(inside))
            # Only overseas places (the census lists tiers-lieux of the DROM) lie outside it.
            overseas = [pk for pk, lat, _lng in located if lat < 30]
            assert len(inside) + len(overseas) == len(located), (answer.url, len(overseas))
    assert problems == {}
    # No third party but the map's tile server (`MAP_TILE_URL`).
    assert tab.elsewhere <= {site.facts["tile_host"]}, tab.elsewhere
