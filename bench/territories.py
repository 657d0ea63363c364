"""Benchmark: territory pages and similar projects at 100k projects, against uncached/naive
baselines from the same run.

Run on the database bench/search.py builds (SQLite under var/bench-search/, or PostgreSQL with
DATABASE_URL), after it (``--reuse`` there keeps it):
    .venv/bin/python bench/search.py --sizes 100000           # builds the 100k catalogue
    .venv/bin/python bench/territories.py [--pages 40]

Measured:
- territory pages: a full GET of ``/territoires/<kind>/<code>/`` through Django's test client
  (HTTP page cache off: every request renders), for regions, departments, EPCI and communes
  that hold projects, drawn at random; "cached" = the figures held per data version (as
  served), "uncached" = the figures computed for each request (their cache entry deleted
  before each request; the engine's id sets, places grid and per-domain territory counts stay
  held, per data version, as served), "baseline" = uncached as computed before (each missing
  domain's nearest projects by a distance to every project of the domain, and the territories
  holding the domain counted again for each page), plus the JSON API;
- similar projects (`catalogue.search.similar.similar_projects`) of random projects, warm
  (places and code sets held per data version), against a naive ORM query (projects sharing
  a code, ordered by the number of shared codes, COUNT per candidate in the database).
Prints p50/p95 and the ratios; targets: pages p95 < 300 ms uncached, similar p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site"), str(ROOT / "bench")]

from search import fmt, percentile, setup_django, timed  # noqa: E402


def territory_sample(rng, per_kind: int):
    from django.db.models import Count

    from catalogue.models import ProjectSearchEntry
    from catalogue.territories import geo

    entries = ProjectSearchEntry.objects.exclude(insee_code="")
    codes = list(
        entries.values_list("insee_code").annotate(n=Count("*")).values_list("insee_code", "n")
    )
    communes = sorted({c for code, _n in codes if (c := geo.current_commune(code))}, key=str)
    epci = sorted({c.epci_code for c in communes if c.epci_code})
    departments = sorted({d for c in communes for d in c.department_codes})
    regions = sorted({r for c in communes for r in c.region_codes})
    sample = []
    for kind, pool in (
        ("region", regions),
        ("departement", departments),
        ("epci", epci),
        ("commune", [c.code for c in communes]),
    ):
        sample += [(kind, code) for code in rng.sample(pool, min(per_kind, len(pool)))]
    return sample


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10, help="territories per kind")
    parser.add_argument("--similar", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sqlite_path = None
    if "DATABASE_URL" not in os.environ:
        sqlite_path = ROOT / "var" / "bench-search" / "search.sqlite3"
    setup_django(sqlite_path)
    import search as bench_search
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from catalogue import freshness
    from catalogue.models import ProjectPage, ProjectSearchEntry
    from catalogue.search import similar

    bench_search.CPU_MEANINGFUL = connection.vendor == "sqlite"
    settings.HTTP_CACHE = False
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(args.seed)
    total = ProjectSearchEntry.objects.count()
    print(f"database: {connection.vendor}; {total:,} indexed projects")
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")

    client = Client()
    sample = territory_sample(rng, args.pages)

    def page(kind, code):
        response = client.get(f"/territoires/{kind}/{code}/")
        assert response.status_code == 200, (kind, code, response.status_code)

    def page_uncached(kind, code):
        # The figures computed again (the engine's id sets and bitmaps stay held).
        cache.delete(f"territories:{freshness.current()}:{kind}/{code}")
        page(kind, code)

    from contextlib import contextmanager

    from catalogue.search import places

    @contextmanager
    def former_algorithm():
        nearest, held = places.nearest, places.held
        places.nearest, places.held = places._scan, lambda key, compute: compute()
        try:
            yield
        finally:
            places.nearest, places.held = nearest, held

    def page_baseline(kind, code):
        with former_algorithm():
            page_uncached(kind, code)

    def api(kind, code):
        assert client.get(f"/api/territories/{kind}/{code}").status_code == 200

    for run in sample:  # warm: gazetteers, id sets, places, and each territory's figures
        page(*run)

    def ratio(slow, fast):
        return (
            f"p50 {percentile(slow, 0.5) / percentile(fast, 0.5):.1f}x,"
            f" p95 {percentile(slow, 0.95) / percentile(fast, 0.95):.1f}x"
        )

    misses = []
    for kind in ("region", "departement", "epci", "commune"):
        runs = [s for s in sample if s[0] == kind]
        cached, uncached = timed(page, runs), timed(page_uncached, runs)
        baseline = timed(page_baseline, runs)
        print(f"page    {kind:11} cached   {fmt(cached)}")
        print(f"page    {kind:11} uncached {fmt(uncached)}")
        print(f"page    {kind:11} baseline {fmt(baseline)}")
        print(f"ratio   {kind:11} baseline / uncached: {ratio(baseline, uncached)}")
        if percentile(uncached, 0.95) >= 0.300:
            misses.append(kind)
    cached, uncached = timed(page, sample), timed(page_uncached, sample)
    baseline = timed(page_baseline, sample)
    print(f"page    all kinds   cached   {fmt(cached)}")
    print(f"page    all kinds   uncached {fmt(uncached)}")
    print(f"page    all kinds   baseline {fmt(baseline)}")
    print(f"api     all kinds   cached   {fmt(timed(api, sample))}")
    print(f"ratio   uncached / cached: {ratio(uncached, cached)}")
    print(f"ratio   baseline / uncached: {ratio(baseline, uncached)}")
    target = "OK" if percentile(cached, 0.95) < 0.300 else "MISSED"
    target_uncached = "OK" if percentile(uncached, 0.95) < 0.300 and not misses else "MISSED"
    print(
        f"target  page p95 < 300 ms: cached {target}; uncached, every kind {target_uncached}"
        + (f" (missed: {', '.join(misses)})" if misses else "")
        + f"; load average {os.getloadavg()[0]:.1f}"
    )

    ids = list(ProjectSearchEntry.objects.values_list("pk", flat=True))
    picks = [(pk,) for pk in rng.sample(ids, min(args.similar, len(ids)))]
    similar.similar_projects(picks[0][0])  # warm: places and code sets of this data version

    def naive(pk):
        codes = ProjectPage.objects.get(pk=pk).codes.values("pk")
        found = (
            ProjectPage.objects.live()
            .public()
            .filter(codes__in=codes)
            .exclude(pk=pk)
            .annotate(shared=Count("codes"))
            .order_by("-shared", "pk")[:8]
        )
        return list(found.values_list("pk", flat=True))

    engine = timed(lambda pk: similar.similar_projects(pk), picks)
    baseline = timed(naive, picks[:10])
    print(f"similar engine (near + elsewhere, 4 each): {fmt(engine)}")
    print(f"similar naive ORM (shared codes, COUNT):   {fmt(baseline)}")
    print(
        f"ratio   naive / engine: p50 {percentile(baseline, 0.5) / percentile(engine, 0.5):.1f}x, "
        f"p95 {percentile(baseline, 0.95) / percentile(engine, 0.95):.1f}x"
    )
    target = "OK" if percentile(engine, 0.95) < 0.050 else "MISSED"
    print(f"target  similar p95 < 50 ms: {target}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
