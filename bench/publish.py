"""Benchmark: an editor's publish at 100,000 projects, with Wagtail's stock database search
backend beside the catalogue's (`catalogue.search.admin_backend`) in the same run.

Run (the SQLite file bench/load.py builds, built here when missing):
    .venv/bin/python bench/publish.py [--size 100000] [--publishes 20]
PostgreSQL (a scratch database that will be filled; never a real one):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/carrefour_speed .venv/bin/python bench/publish.py

Data: bench/load.py's database (projects bulk-created from real texts, search index and map
clusters built). Wagtail's own search index (the admin's) is filled once here for every
project when it is not yet, with `catalogue.bulk_index`'s writer (same rows as Wagtail's).

Measured: an editor's publish as the admin's "Publish" button does it, minus the HTTP form:
`save_revision(user=editor, log_action=True)` then `revision.publish(user=editor)`, in one
transaction, on a different project each time, with a changed title and summary. Every
signal runs: Wagtail's search index, the catalogue's index, map clusters, the data version,
the dumps' queued task. Each backend publishes `--publishes` distinct pages; the first
publish of each series is timed too (the catalogue's backend counts the titles once then).
Prints p50 / p95 / max and the stock / catalogue ratio, with the load average, and the
number of SQL statements of one publish with each. SQLite runs in the process, so its CPU
time (also printed) is the work done, whatever else loads the machine; on PostgreSQL only
the wall time counts.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]
STOCK = {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "french"}}


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def fill_wagtail_index() -> None:
    """Wagtail's index entry for every project that has none (bulk, as a harvest writes them)."""
    from django.db import transaction
    from wagtail.search.models import IndexEntry

    from catalogue import bulk_index
    from catalogue.models import ProjectPage

    done = set(IndexEntry.objects.values_list("object_id", flat=True))
    missing = [pk for pk in ProjectPage.objects.values_list("pk", flat=True) if str(pk) not in done]
    if not missing:
        return
    t0 = time.perf_counter()
    from wagtail.search.backends import get_search_backends

    lengths = bulk_index.TitleLengths()
    for start in range(0, len(missing), 1000):
        pages = list(ProjectPage.objects.filter(pk__in=missing[start : start + 1000]))
        with transaction.atomic():
            for backend in get_search_backends(with_auto_update=True):
                index = backend.get_index_for_model(ProjectPage)
                if bulk_index._sqlite_index_class() and isinstance(
                    index, bulk_index._sqlite_index_class()
                ):
                    bulk_index._sqlite_add_new(index, pages, lengths)
                elif bulk_index._postgres_index_class() and isinstance(
                    index, bulk_index._postgres_index_class()
                ):
                    bulk_index._postgres_add_new(index, pages)
                else:
                    index.add_items(ProjectPage, pages)
    bulk_index.refresh_search_norms()
    print(f"Wagtail's index: {len(missing):,} entries written in {time.perf_counter() - t0:.0f} s")


def publish_series(pages, editor, label: str):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    durations, cpu, queries = [], [], None
    for n, page in enumerate(pages):
        page.title = f"{page.title[:200]} ({label} {n})"
        page.summary = f"Mise à jour {label} {n}. {page.summary}"[:600]
        start, start_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            revision = page.save_revision(user=editor, log_action=True)
            revision.publish(user=editor)
        durations.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if n == 1:
            queries = len(captured.captured_queries)
    return durations, cpu, queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--publishes", type=int, default=20)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        path = ROOT / "var" / "bench" / f"load-{args.size}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--build-only", database_url,
         str(args.size)],
        check=True,
    )  # fmt: skip
    # Production settings, as bench/load.py runs them: the dumps' task is queued for the
    # cluster (the test settings run it inline, seconds at 100k, inside the publish).
    sys.path.insert(0, str(ROOT / "bench"))
    from load import environment

    os.environ.update(environment(database_url, True))
    os.environ.setdefault("SHARED_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test.utils import override_settings
    from wagtail.search.models import IndexEntry

    from catalogue.models import ProjectPage
    from catalogue.search import admin_backend

    fill_wagtail_index()
    editor = get_user_model().objects.filter(username="bench-editor").first()
    if editor is None:
        editor = get_user_model().objects.create_superuser(
            "bench-editor", "bench@example.org", None
        )
    ids = list(ProjectPage.objects.live().values_list("pk", flat=True))
    chosen = random.Random(time.time_ns()).sample(ids, 2 * args.publishes + 2)
    pages = [ProjectPage.objects.get(pk=pk) for pk in chosen]
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs); {len(ids):,} projects, "
        f"{IndexEntry.objects.count():,} Wagtail index entries"
    )
    publish_series(pages[:2], editor, "warm-up")  # first-use imports and caches of both paths
    cache.delete_many([admin_backend.COUNT_KEY, admin_backend.TOTAL_KEY])
    results = {}
    with override_settings(WAGTAILSEARCH_BACKENDS=STOCK):
        results["stock"] = publish_series(pages[2 : 2 + args.publishes], editor, "stock")
    results["catalogue"] = publish_series(pages[2 + args.publishes :], editor, "catalogue")
    for label, (durations, cpu, queries) in results.items():
        print(
            f"{label:9} backend: wall p50 {percentile(durations, 0.5) * 1000:6.0f} ms  "
            f"p95 {percentile(durations, 0.95) * 1000:6.0f} ms  max {max(durations) * 1000:6.0f}"
            f" ms  first {durations[0] * 1000:6.0f} ms | cpu p50 "
            f"{percentile(cpu, 0.5) * 1000:6.0f} ms  p95 {percentile(cpu, 0.95) * 1000:6.0f} ms"
            f"  ({queries} SQL statements per publish, n={len(durations)})"
        )
    for n, kind in ((0, "wall"), (1, "cpu")):
        stock, ours = results["stock"][n], results["catalogue"][n]
        print(
            f"ratio stock / catalogue ({kind}): p50 "
            f"{percentile(stock, 0.5) / percentile(ours, 0.5):.1f}x, p95 "
            f"{percentile(stock, 0.95) / percentile(ours, 0.95):.1f}x"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
