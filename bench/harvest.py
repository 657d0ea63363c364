"""Benchmark: harvesting N records through the full pipeline into a fresh database.

    .venv/bin/python bench/harvest.py [--sizes 10000 50000] [--naive 300] [--keep]

For each size: a fresh database (SQLite under var/bench/, or the PostgreSQL server of
``DATABASE_URL`` with a fresh database per size), seeded with the real FFE laureates (so
deduplication has pages to compare with), then a CSV source of N records generated from the
real Apriles records, placed with the real communes' distribution (FFE and Apriles), is
harvested by `importers.harvest.run_source`: normalise → recode → geocode (offline) →
deduplicate → bulk upsert → run record. Then the same source again (all unchanged).

The naive path (one `add_child` plus `save_revision().publish()` per record, i.e.
`catalogue.services.upsert_project`) is measured on a sample of the same records in its own
fresh database and extrapolated: at ~10 records/s it would take hours for 50,000.

Memory: resident set size sampled every 1,000 records (flat = streaming) and the process peak.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "site")]
BENCH_DIR = REPO / "var" / "bench"
BASE_URL = os.environ.get("DATABASE_URL", "")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def fresh_database(label: str) -> str:
    """A new empty database URL for this label."""
    if BASE_URL.startswith("postgres"):
        import psycopg

        base, _, _name = BASE_URL.rpartition("/")
        name = f"bench_harvest_{label}_{os.getpid()}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{base}/{name}"
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"harvest-{label}-{os.getpid()}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def use_database(url: str) -> None:
    """Point Django's default connection at `url` and migrate it."""
    import dj_database_url
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    connections["default"].close()
    config = dj_database_url.parse(url)
    if url.startswith("sqlite"):
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    settings.DATABASES["default"].update(config)
    connections["default"].settings_dict.update(config)
    call_command("migrate", verbosity=0, interactive=False)


def real_records():
    from django.conf import settings

    from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates

    data = Path(settings.SHARED_DATA_DIR)
    return list(read_ffe_laureates(data / "ffe-laureates.csv")), list(
        read_apriles_export(data / "apriles-export.csv")
    )


FIELDS = [
    "id",
    "titre",
    "résumé",
    "description",
    "site",
    "structure porteuse",
    "code postal",
    "ville",
    "tags",
    "courriel",
]


def write_source(path: Path, n: int, records, places_from=None, seed: int = 7) -> None:
    """N rows built from the real records, placed like the real records (their communes,
    with their frequency), streamed to disk."""
    rng = random.Random(seed)
    places = [(r.postal_code, r.city) for r in places_from or records if r.postal_code and r.city]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for i in range(n):
            base = records[i % len(records)]
            postal_code, city = rng.choice(places)
            # Each generated project has its own site (a shared domain would make them one
            # project for the deduplication).
            website = f"https://projet-{i}.fr/" if base.website else ""
            writer.writerow(
                [
                    f"bench-{i}",
                    f"{base.title} — {city.title()} n°{i}",
                    base.summary,
                    base.description[:2000],
                    website,
                    base.structure_name,
                    postal_code,
                    city,
                    " | ".join(base.raw_tags[:6]),
                    base.contact_email,
                ]
            )


def seed_partners(ffe, apriles) -> None:
    """The real catalogue the harvested source is compared with (deduplication)."""
    from catalogue import services

    services.ensure_site_tree()
    for key, records in (("La France s'engage", ffe), ("Apriles", apriles)):
        for _ in services.upsert_projects_bulk(records, source_key=key, batch_size=500):
            pass


class Meter:
    """A progress sink for the pipeline: samples the RSS every 1,000 records."""

    def __init__(self):
        self.count = 0
        self.samples: list[float] = []

    def advance(self, n: int = 1) -> None:
        before = self.count // 1000
        self.count += n
        if self.count // 1000 != before:
            self.samples.append(rss_mb())

    def close(self):
        pass


REFRESH = {"seconds": 0.0}


def _timed_refresh():
    """Wrap the rewrite of the open-data dumps that ends a bulk stream (`catalogue.changes`) to
    report its cost apart: it grows with the whole catalogue, not with the run."""
    from catalogue import changes as module

    original = module.write_dumps

    def timed():
        t0 = time.perf_counter()
        try:
            return original()
        finally:
            REFRESH["seconds"] += time.perf_counter() - t0

    module.write_dumps = timed


def harvest(source, label: str) -> dict:
    from importers.harvest import run_source

    meter = Meter()
    start_rss = rss_mb()
    REFRESH["seconds"] = 0.0
    t0 = time.perf_counter()
    run = run_source(source, progress=meter, batch_size=500)
    elapsed = time.perf_counter() - t0
    refresh = REFRESH["seconds"]
    samples = meter.samples or [rss_mb()]
    return {
        "label": label,
        "records": run.seen,
        "created": run.created,
        "unchanged": run.unchanged,
        "merged": run.merged,
        "invalid": run.invalid + run.failed,
        "seconds": elapsed,
        "refresh": refresh,
        "rate": run.seen / elapsed if elapsed else 0.0,
        "pipeline_rate": run.seen / (elapsed - refresh) if elapsed > refresh else 0.0,
        "rss_start": start_rss,
        "rss_first": samples[0],
        "rss_last": samples[-1],
        "rss_max": max(samples),
        "status": run.status,
    }


def naive(sample, n: int) -> dict:
    """One add_child + save_revision().publish() per record (services.upsert_project)."""
    from catalogue import services
    from importers.geocode import Geocoder

    geocoder = Geocoder(ban_enabled=False)
    t0 = time.perf_counter()
    for record in sample[:n]:
        geocoder.geocode(record)
        services.upsert_project(record, source_key="Naïf")
    elapsed = time.perf_counter() - t0
    return {"records": n, "seconds": elapsed, "rate": n / elapsed}


def check(label: str) -> None:
    from catalogue.bulk_pages import tree_problems
    from catalogue.models import ProjectPage, ProjectSearchEntry

    problems = tree_problems()
    missing = ProjectPage.objects.filter(latest_revision__isnull=True).count()
    print(
        f"  {label}: tree problems {len(problems)}, pages without revision {missing}, "
        f"pages {ProjectPage.objects.count()}, search entries {ProjectSearchEntry.objects.count()}"
    )


def cpu_reference() -> float:
    """Seconds for a plain 10-million-step Python loop: this machine's speed, so that figures
    of two machines (or two sessions on a shared one) can be compared."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--naive", type=int, default=300, help="records of the naive sample")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carrefour.settings.test")
    os.environ.setdefault("SECRET_KEY", "bench")
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from importers.models import Source

    _timed_refresh()
    vendor = "PostgreSQL" if BASE_URL.startswith("postgres") else "SQLite"
    print(
        f"Harvest benchmark — {vendor}, {os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.1f}, "
        f"CPU reference {cpu_reference():.2f} s (10M-step Python loop)",
        flush=True,
    )
    urls = []

    results = []
    for size in args.sizes:
        url = fresh_database(str(size))
        urls.append(url)
        use_database(url)
        ffe, apriles = real_records()
        # The real FFE laureates are the catalogue; the source is generated from the other
        # partner's records (its projects are not the laureates), placed like all of them.
        seed_partners(ffe, [])
        csv_path = BENCH_DIR / f"source-{size}-{os.getpid()}.csv"
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        write_source(csv_path, size, apriles, places_from=ffe + apriles)
        source = Source.objects.create(
            name=f"Banc {size}",
            kind="csv",
            enabled=False,
            config={"path": str(csv_path), "fields": {name: name for name in FIELDS}},
        )
        first = harvest(source, f"{size} new")
        print(
            f"  {time.strftime('%H:%M:%S', time.gmtime())} UTC {size} new: "
            f"{first['rate']:.0f} rec/s ({first['pipeline_rate']:.0f} without the refresh), "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        check(f"{size} after first run")
        second = harvest(source, f"{size} unchanged")
        results += [first, second]
        csv_path.unlink(missing_ok=True)

    url = fresh_database("naive")
    urls.append(url)
    use_database(url)
    from catalogue import services

    services.ensure_site_tree()
    ffe, apriles = real_records()
    sample = (ffe + apriles) * (1 + args.naive // (len(ffe) + len(apriles)))
    for i, record in enumerate(sample):
        sample[i] = type(record)(**{**record.__dict__, "source_id": f"naive-{i}"})
    slow = naive(sample, args.naive)
    check("naive sample")

    print()
    print(f"{'run':<18}{'records':>9}{'created':>9}{'unchanged':>10}{'merged':>8}{'seconds':>9}"
          f"{'rec/s':>8}{'refresh s':>10}{'rec/s w/o':>10}{'RSS first→last (max) MB':>28}")  # fmt: skip
    for r in results:
        print(
            f"{r['label']:<18}{r['records']:>9}{r['created']:>9}{r['unchanged']:>10}"
            f"{r['merged']:>8}{r['seconds']:>9.1f}{r['rate']:>8.0f}{r['refresh']:>10.1f}"
            f"{r['pipeline_rate']:>10.0f}"
            f"{r['rss_first']:>12.0f} → {r['rss_last']:.0f} ({r['rss_max']:.0f})"
        )
    print("(refresh: the catalogue's after-run hook, map clusters and open-data dumps of the whole")
    print(" catalogue; 'rec/s w/o' is the pipeline rate without it)")
    print(
        f"{'naive sample':<18}{slow['records']:>9}{slow['records']:>9}{0:>10}{0:>8}"
        f"{slow['seconds']:>9.1f}{slow['rate']:>8.1f}"
    )
    print(f"process peak RSS: {peak_mb():.0f} MB")
    for r in results:
        if "new" in r["label"]:
            hours = r["records"] / slow["rate"] / 3600
            print(
                f"{r['label']}: {r['rate'] / slow['rate']:.0f}× the naive path "
                f"(naive extrapolated: {hours:.1f} h for {r['records']:,} records)"
            )
    if not args.keep:
        for url in urls:
            if url.startswith("sqlite"):
                for suffix in ("", "-wal", "-shm"):
                    Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
