"""Benchmark: the production server under 50 concurrent clients, at 100,000 projects.

Run (SQLite file built once under var/bench/, reused by later runs):
    apt-get install -y wrk                    # Debian's package, once
    .venv/bin/python bench/load.py
PostgreSQL (a scratch database that will be filled; never a real one):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carrefour_speed .venv/bin/python bench/load.py

Data: project pages bulk-created with bench/search.py's builder (real texts recombined, real
places, codes and partners), the search index and the map clusters rebuilt, ANALYZE. Built once
and kept (`--rebuild` starts again).

Server: gunicorn with the repository's gunicorn.conf.py, production settings, a throw-away
SECRET_KEY, the API rate limits disabled, static files collected (WhiteNoise). It is started
twice in the same run: first with every cache off (`HTTP_CACHE=0`: no shared page cache;
the search engine's own per-version structures still warm up as they would), then as deployed.

Load: wrk, 50 connections, `--duration` seconds per endpoint, each endpoint rotating over a
set of addresses (different words and facets, different projects, map views). The cached run
requests every address once before measuring (the steady state of a shared cache; with Redis,
`REDIS_URL`, shared by all workers); the uncached run renders every request: home, results with text + 2 facets, a project page, /api/map France view
(zoom 6) and /api/projects (text + facet). Prints requests/s, p50, p95, p99 and errors
(socket errors, timeouts and non-2xx/3xx answers) per endpoint, with the load average, the
share of answers served from the page cache (``X-Page-Cache: hit``) and the worker (re)starts
during each measure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
FRANCE = "-5.5,41.2,9.8,51.2"
WORDS = ["jeunes", "emploi", "habitat", "numérique", "alimentation", "santé", "culture"]

LUA = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hits = 0; i = math.random(#paths) end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip", ["X-Forwarded-Proto"] = "https"})
end
response = function(status, headers, body)
  if headers["X-Page-Cache"] == "hit" then hits = hits + 1 end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local h = 0
  for _, t in ipairs(threads) do h = h + t:get("hits") end
  io.write(string.format(
    "RESULT %d %f %d %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    h, e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def load_search_bench():
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def environment(database_url: str, cache: bool) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="carrefour.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),  # throw-away: this server lives for one run
        DATABASE_URL=database_url,
        DJANGO_DEBUG="",
        API_RATE_LIMIT="0",
        API_MAP_RATE_LIMIT="0",
        SECURE_COOKIES="0",
        HTTP_CACHE="1" if cache else "0",
        LOG_LEVEL="WARNING",
    )
    return env


def build(database_url: str, size: int, rebuild: bool) -> None:
    """Create the database once (see the module docstring); a no-op when it is there."""
    os.environ.update(environment(database_url, True))
    os.environ["DJANGO_SETTINGS_MODULE"] = "carrefour.settings.production"
    # the settings' default, ../shared/data beside the repository; SHARED_DATA_DIR overrides it
    os.environ.setdefault("SHARED_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    bench_search = load_search_bench()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if rebuild and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("createcachetable", verbosity=0)  # the shared cache, before anything reads it
    call_command("migrate", verbosity=0)
    from catalogue.maps import grid
    from catalogue.models import ProjectPage
    from catalogue.search import indexer

    existing = ProjectPage.objects.count()
    if existing >= size:
        if connection.vendor == "sqlite":  # databases built before it was run after ANALYZE
            from catalogue.search.indexer import empty_tables_statistics

            with connection.cursor() as cursor:
                empty_tables_statistics(cursor)
        print(f"database: {connection.vendor}, {existing:,} projects (reused)")
        return
    t0 = time.perf_counter()
    _tree, partners = bench_search.prepare_site()
    material = bench_search.Material()
    bench_search.create_projects(material, size - existing, existing, partners, random.Random(4))
    indexer.rebuild()
    grid.rebuild_clusters()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        if connection.vendor == "sqlite":
            from catalogue.search.indexer import empty_tables_statistics

            empty_tables_statistics(cursor)
    print(
        f"database: {connection.vendor}, {size:,} projects built in {time.perf_counter() - t0:.0f} s"
    )


def addresses(database_url: str, n: int) -> dict[str, list[str]]:
    """The addresses each endpoint rotates over, read from the built database."""
    script = f"""
import json, random, sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "site")!r}]
import django
django.setup()
from catalogue.models import ProjectPage, TaxonomyGroup
rng = random.Random(7)
dom = list(TaxonomyGroup.objects.filter(family="domaines").values_list("slug", flat=True))
pub = list(TaxonomyGroup.objects.filter(family="publics").values_list("slug", flat=True))
ids = list(ProjectPage.objects.live().values_list("url_path", flat=True)[:50000])
index = ProjectPage.objects.live().first().get_parent().url
print(json.dumps({{"dom": dom, "pub": pub, "pages": rng.sample(ids, {n}), "index": index}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=environment(database_url, True),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    out = out.stdout
    data = json.loads(out.strip().splitlines()[-1])
    rng = random.Random(11)
    index = data["index"] if data["index"].startswith("/") else "/projets/"

    def words():
        return urllib.request.quote(rng.choice(WORDS))

    def results():
        return (
            f"{index}?q={words()}&domaine={rng.choice(data['dom'])}"
            f"&public={rng.choice(data['pub'])}"
        )

    def page(url_path):
        # url_path is /accueil/projets/slug/: the site root is /accueil/
        return "/" + url_path.split("/", 2)[2]

    return {
        "home": ["/"],
        "results": [results() for _ in range(n)],
        "project": [page(p) for p in data["pages"]],
        "map": [f"/api/map?bbox={FRANCE}&zoom=6"],
        "api": [f"/api/projects?q={words()}&domaine={rng.choice(data['dom'])}" for _ in range(n)],
    }


class Server:
    """gunicorn with the repository's configuration, on 127.0.0.1:`port`."""

    def __init__(self, database_url: str, port: int, cache: bool, workers, threads):
        env = environment(database_url, cache)
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            env["GUNICORN_THREADS"] = str(threads)
        env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        self.url = f"http://127.0.0.1:{port}"
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "carrefour.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(request(self.url + "/robots.txt"), timeout=2)
                return
            except urllib.error.HTTPError:  # answered: it is up
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.5)
        self.stop()
        self.log.seek(0)
        raise SystemExit("gunicorn did not start:\n" + self.log.read().decode()[-3000:])

    def boots(self) -> int:
        """Workers started so far (gunicorn logs one line per start, recycled ones too)."""
        self.log.seek(0)
        return self.log.read().count(b"Booting worker")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:  # gunicorn lets running requests end (graceful_timeout, 30 s)
                self.process.wait(45)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def request(url: str) -> urllib.request.Request:
    """As a TLS-terminating proxy passes it on (production redirects plain HTTP to HTTPS)."""
    return urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})


def warm(url: str, paths: list[str]) -> None:
    """One request per address (server caches, database pages) before the measure, four at
    a time."""
    from concurrent.futures import ThreadPoolExecutor

    def one(path):
        asked = request(url + path)
        asked.add_header("Accept-Encoding", "gzip")  # as wrk asks: the same cache entry
        try:
            urllib.request.urlopen(asked, timeout=60).read()
        except OSError as error:
            print(f"  warm-up {path}: {error}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, paths))


def wrk(url: str, paths: list[str], connections: int, duration: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script, listing = Path(tmp, "rotate.lua"), Path(tmp, "paths.txt")
        script.write_text(LUA)
        listing.write_text("\n".join(paths) + "\n")
        load_before = os.getloadavg()[0]
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                url,
            ],
            env={**os.environ, "WRK_PATHS": str(listing)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, seconds, p50, p95, p99, top, hits, *errors = (float(v) for v in line.split()[1:])
    return {
        "hits": int(hits),
        "rps": n / seconds,
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "max": top / 1000,
        "errors": int(sum(errors)),
        "requests": int(n),
        "load": max(load_before, os.getloadavg()[0]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--addresses", type=int, default=20, help="per endpoint")
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--only", help="comma-separated endpoints")
    parser.add_argument("--modes", default="uncached,cached")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        path = ROOT / "var" / "bench" / f"load-{args.size}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        if args.rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)"
    )
    subprocess.run(
        [sys.executable, __file__, "--build-only", database_url, str(args.size)]
        + (["--rebuild"] if args.rebuild else []),
        check=True,
    )
    if subprocess.run(["sh", "bin/assets.sh"], cwd=ROOT, stdout=subprocess.DEVNULL).returncode:
        print("  bin/assets.sh failed: static files as last built")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment(database_url, True),
        check=True,
    )
    paths = addresses(database_url, args.addresses)
    if args.only:
        paths = {k: v for k, v in paths.items() if k in args.only.split(",")}
    table = {}
    for mode in args.modes.split(","):
        server = Server(database_url, args.port, mode == "cached", args.workers, args.threads)
        try:
            for name, endpoint_paths in paths.items():
                # Cached: every address once before (a site whose visitors asked for them
                # within the cache's lifetime); the misses are what the uncached run measures.
                warm(server.url, endpoint_paths if mode == "cached" else endpoint_paths[:5])
                booted = server.boots()
                table[(name, mode)] = result = wrk(
                    server.url, endpoint_paths, args.connections, args.duration
                )
                result["restarts"] = server.boots() - booted
                print(
                    f"  {mode:8} {name:8} {result['rps']:8.1f} req/s  p50 {result['p50']:7.1f}"
                    f"  p95 {result['p95']:7.1f}  p99 {result['p99']:7.1f} ms  errors "
                    f"{result['errors']}  cache hits {result['hits']}/{result['requests']}"
                    f"  worker starts {result['restarts']}  (load {result['load']:.1f})",
                    flush=True,
                )
        finally:
            server.stop()
    print(
        "\n| Endpoint | "
        + " | ".join(
            f"{m} req/s | {m} p50 / p95 / p99 ms | {m} errors | {m} hits"
            for m in args.modes.split(",")
        )
        + " | load |"
    )
    print("|---" * (1 + 4 * len(args.modes.split(","))) + "|---|")
    for name in paths:
        cells, loads = [], []
        for mode in args.modes.split(","):
            r = table[(name, mode)]
            cells += [
                f"{r['rps']:.0f}",
                f"{r['p50']:.0f} / {r['p95']:.0f} / {r['p99']:.0f}",
                str(r["errors"]),
                f"{100 * r['hits'] / max(1, r['requests']):.0f} %",
            ]
            loads.append(f"{r['load']:.1f}")
        print(f"| {name} | " + " | ".join(cells) + f" | {' / '.join(loads)} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--build-only":
        build(sys.argv[2], int(sys.argv[3]), "--rebuild" in sys.argv)
    else:
        main()
