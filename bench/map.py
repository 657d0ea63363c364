"""Benchmark: the map endpoint at 10k / 50k / 100k projects against the naive baseline.

Generated projects (realistic French text, CIS codes, a real commune distribution from the
offline gazetteer: every commune can hold projects, big cities many more) are written through
the catalogue's bulk page builder (`catalogue.bulk`: real pages with computed tree paths, codes,
provenance and the catalogue's search index; revisions and Wagtail's own search backend, which
the map never reads, are skipped to keep 100k affordable), then `services.after_bulk_change()`
precomputes the map clusters as a harvest would. For each size it times, through Django's test client (URL routing, JSON, gzip):

- the whole of mainland France at zoom 6, no filter (precomputed clusters);
- the same with one facet (domaine) and with free text (SQL grid GROUP BY on the index);
- a city view (Lyon, 1280x900 px at zoom 13), no filter and with the facet (points);
- the naive baseline in the same run: every matching point serialised as GeoJSON through page
  instances (`ProjectPage.objects.live().public()` + `page.url`);

and prints p50/p95, bytes (raw and gzipped) and the ratios. Targets at 100k: whole-France p95
< 100 ms and < 300 KB, city view < 50 ms.

Run (SQLite by default, a fresh database under var/bench-map/):
    .venv/bin/python bench/map.py [--sizes 10000,50000,100000] [--repeat 30]
PostgreSQL:
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_map .venv/bin/python bench/map.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

FRANCE = "-5.5,41.2,9.8,51.2"
LYON = (45.764, 4.8357)
CITY_SPAN = (0.22, 0.11)  # degrees of longitude and latitude of 1280x900 px at zoom 13

WORDS = (
    "habitat inclusif seniors jardin partagé insertion emploi numérique santé mobilité "
    "solidaire alimentation circuit court recyclerie tiers-lieu quartier jeunes aidants "
    "handicap culture éducation populaire sport inclusion logement accompagnement "
    "médiation coopérative épicerie sociale réemploi formation entrepreneuriat femmes "
    "réfugiés isolement lien social énergie rénovation transition écologique agriculture "
    "urbaine budget participatif démocratie locale parentalité petite enfance"
).split()
STRUCTURES = ("Association", "Collectif", "Coopérative", "Régie de quartier", "Fondation")
KINDS = ("association", "collectivite", "entreprise", "ess", "citoyens", "autre")


def configure(database_url: str | None) -> str:
    if not database_url:
        path = ROOT / "var" / "bench-map" / "map.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    elif database_url.startswith("postgres"):
        _recreate_postgres(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carrefour.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    return database_url


def _recreate_postgres(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def commune_sampler(rng: random.Random):
    """Communes weighted like a real directory: all communes, big cities far more often."""
    from catalogue import geography

    table = geography._table()
    choices, weights = [], []
    for insee, rows in table.by_insee.items():
        i = rows[0]
        if math.isnan(table.lat[i]):
            continue
        postal_codes = len(rows)
        weight = 1.0 + 6.0 * (postal_codes - 1) ** 2
        if insee.startswith(("751", "6938", "132")):  # arrondissements of Paris, Lyon, Marseille
            weight = 60.0
        choices.append((insee, table.postal[i], table.label[i], table.lat[i], table.lon[i]))
        weights.append(weight)
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)

    def sample():
        return choices[_bisect(cumulative, rng.random() * total)]

    return sample


def _bisect(values, x):
    import bisect

    return min(bisect.bisect_left(values, x), len(values) - 1)


def records(n: int, start: int, rng: random.Random, codes: list[str]):
    from catalogue.records import ProjectRecord

    sample = commune_sampler(rng)
    for i in range(start, start + n):
        insee, postal, label, lat, lng = sample()
        words = rng.sample(WORDS, 4)
        jitter = rng.random() < 0.5
        yield ProjectRecord(
            title=f"{words[0].capitalize()} {words[1]} {words[2]} n°{i}",
            source_id=f"bench-{i}",
            source_url=f"https://partenaire.example/projets/{i}",
            summary=" ".join(rng.choice(WORDS) for _ in range(30)).capitalize() + ".",
            description=" ".join(rng.choice(WORDS) for _ in range(40)),
            structure_name=f"{rng.choice(STRUCTURES)} {words[3]}",
            structure_kind=rng.choice(KINDS),
            start_year=rng.randint(1995, 2024),
            postal_code=postal,
            city=label.title(),
            insee_code=insee,
            latitude=lat + (rng.uniform(-0.01, 0.01) if jitter else 0.0),
            longitude=lng + (rng.uniform(-0.015, 0.015) if jitter else 0.0),
            codes=rng.sample(codes, rng.randint(1, 3)),
            tags=rng.sample(WORDS, 3),
        )


def fast_create(records_batch, partner) -> list[int]:
    """Published project pages in bulk, the way `catalogue.bulk_pages.create_pages` builds them
    (computed tree paths, codes, tags, provenance, the catalogue's search index), minus what the
    map never reads and a benchmark cannot afford at 100k on a loaded machine: revisions, page
    history, Wagtail's own search backend and the reference index."""
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone
    from wagtail.models import Page

    from catalogue import bulk_pages as bulk
    from catalogue.models import ProjectIndexPage, ProjectPage, ProjectSource
    from catalogue.rows import insert_rows

    now = timezone.now()
    with transaction.atomic():
        index = ProjectIndexPage.objects.select_for_update().get()
        project_ct = ContentType.objects.get_for_model(ProjectPage)
        step = bulk._next_step(index)
        slugs = bulk._slugs(index, [r.title for r in records_batch])
        pages = []
        for offset, (record, slug) in enumerate(zip(records_batch, slugs, strict=True)):
            page = bulk._build_page(record)
            page.slug = slug
            page.path = Page._get_path(index.path, index.depth + 1, step + offset)
            page.depth = index.depth + 1
            page.numchild = 0
            page.url_path = f"{index.url_path}{slug}/"
            page.content_type_id = project_ct.id
            page.locale_id = index.locale_id
            page.translation_key = uuid.uuid4()
            page.live = True
            page.has_unpublished_changes = False
            page.first_published_at = page.last_published_at = now
            pages.append(page)
        base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
        bases = [Page(**{f.attname: getattr(p, f.attname) for f in base_fields}) for p in pages]
        Page.objects.bulk_create(bases, batch_size=500)
        for page, base in zip(pages, bases, strict=True):
            page.id = page.page_ptr_id = base.id
            page._state.adding = False
        insert_rows(ProjectPage, pages, ProjectPage._meta.local_concrete_fields)
        Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + len(pages))
        bulk._create_related(pages, records_batch)
        ProjectSource.objects.bulk_create(
            [
                ProjectSource(
                    project_id=page.pk,
                    source_key="Bench",
                    source_id=record.source_id,
                    source_url=record.source_url,
                    partner=partner,
                )
                for page, record in zip(pages, records_batch, strict=True)
            ],
            batch_size=1000,
        )
    ids = [page.pk for page in pages]
    from catalogue.search import indexer

    indexer.index_projects(ids)
    return ids


def load(n: int, start: int, rng: random.Random) -> float:
    from catalogue import services
    from catalogue.bulk import _chunks
    from catalogue.models import NomenclatureCode

    codes = list(NomenclatureCode.objects.values_list("code", flat=True))
    partner = services.upsert_partner("Partenaire de banc d'essai")
    t0 = time.perf_counter()
    done = 0
    for batch in _chunks(records(n, start, rng, codes), 2000):
        done += len(fast_create(batch, partner))
        if done % 10000 == 0 or done == n:
            rate = done / (time.perf_counter() - t0)
            print(f"  … {start + done} projects ({rate:.0f}/s)", flush=True)
    return time.perf_counter() - t0


def analyse():
    from django.db import connection

    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, as autovacuum does after a bulk insert (it sets the visibility
        # map that index-only scans need).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        if connection.vendor == "sqlite":
            from catalogue.search.indexer import empty_tables_statistics

            empty_tables_statistics(cursor)


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, result


def endpoint(client, params: dict):
    from django.urls import reverse

    def call():
        response = client.get(reverse("api-map"), params, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, response.status_code
        return response

    return call


def sizes_of(response) -> tuple[int, int]:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        return len(gzip.decompress(body)), len(body)
    return len(body), len(gzip.compress(body))


def naive_geojson(bbox=None, domaine=None):
    """The baseline: every matching point as a GeoJSON Feature, through page instances."""
    from catalogue.models import ProjectPage

    pages = ProjectPage.objects.live().public().filter(latitude__isnull=False)
    if bbox:
        west, south, east, north = bbox
        pages = pages.filter(
            latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
        )
    if domaine:
        pages = pages.filter(codes__groups__slug=domaine).distinct()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
            "properties": {
                "id": p.pk,
                "title": p.title,
                "url": p.url,
                "structure": p.structure_name,
                "city": p.city,
            },
        }
        for p in pages
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def measure(size: int, repeat: int) -> list[tuple]:
    from django.test import Client

    from catalogue.maps import grid
    from catalogue.models import MapPoint, ProjectPage, TaxonomyGroup

    client = Client()
    domaine = (
        TaxonomyGroup.objects.filter(family="domaines", codes__code="HAB").values_list(
            "slug", flat=True
        )
    ).first() or TaxonomyGroup.objects.filter(family="domaines").first().slug
    lat, lng = LYON
    city = (
        lng - CITY_SPAN[0] / 2,
        lat - CITY_SPAN[1] / 2,
        lng + CITY_SPAN[0] / 2,
        lat + CITY_SPAN[1] / 2,
    )
    city_bbox = ",".join(f"{v:.5f}" for v in city)
    cases = [
        ("France z6", {"bbox": FRANCE, "zoom": 6}, {}),
        (
            "France z6 domaine",
            {"bbox": FRANCE, "zoom": 6, "domaine": domaine},
            {"domaine": domaine},
        ),
        ("France z6 q=jardin", {"bbox": FRANCE, "zoom": 6, "q": "jardin"}, None),
        ("Lyon z13", {"bbox": city_bbox, "zoom": 13}, {"bbox": city}),
        (
            "Lyon z13 domaine",
            {"bbox": city_bbox, "zoom": 13, "domaine": domaine},
            {"bbox": city, "domaine": domaine},
        ),
    ]
    rows = []
    for name, params, naive_args in cases:
        call = endpoint(client, params)
        call()  # warm-up (cache of site roots, prepared statements)
        p50, p95, response = timed(call, repeat)
        data = json.loads(
            gzip.decompress(response.content)
            if response.get("Content-Encoding")
            else response.content
        )
        raw, zipped = sizes_of(response)
        row = [size, name, data["mode"], data["total"], p50, p95, raw, zipped]
        if naive_args is not None:
            naive_repeat = 3 if "bbox" not in naive_args else min(repeat, 10)
            n50, n95, body = timed(lambda a=naive_args: naive_geojson(**a), naive_repeat)
            row += [n50, n95, len(body), n50 / p50 if p50 else float("inf"), len(body) / raw]
        rows.append(tuple(row))
    # Upkeep figures.
    t0 = time.perf_counter()
    grid.rebuild_clusters()
    rebuild = time.perf_counter() - t0
    page = ProjectPage.objects.live().first()
    t0 = time.perf_counter()
    for i in range(10):
        # A real move (as an edit would make), then the reconciliation the signal runs.
        latitude = page.latitude + (0.5 if i % 2 == 0 else 0.0)
        ProjectPage.objects.filter(pk=page.pk).update(latitude=latitude)
        grid.refresh_project(page.pk)
    refresh = (time.perf_counter() - t0) / 10 * 1000
    assert MapPoint.objects.get(pk=page.pk).lat == page.latitude
    print(f"  upkeep at {size}: full rebuild {rebuild:.2f} s, one edit {refresh:.1f} ms")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = configure(os.environ.get("BENCH_DATABASE_URL"))
    from django.core.management import call_command
    from django.db import connection

    from catalogue import services

    print(f"database: {connection.vendor} ({url})")
    call_command("migrate", verbosity=0)
    services.ensure_site_tree()
    rng = random.Random(20241125)
    loaded = 0
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"loading {size - loaded} projects (total {size}) …", flush=True)
        seconds = load(size - loaded, loaded, rng)
        loaded = size
        t0 = time.perf_counter()
        services.after_bulk_change(dumps=False)
        analyse()
        print(
            f"  loaded in {seconds:.0f} s; clusters precomputed in {time.perf_counter() - t0:.1f} s"
        )
        results += measure(size, args.repeat)
        print_table(results)


def print_table(rows) -> None:
    header = (
        f"{'projects':>8} {'view':<20} {'mode':<8} {'in view':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'bytes':>9} {'gzip':>8} | {'naive p50':>9} {'naive p95':>9} {'naive bytes':>11} "
        f"{'x time':>7} {'x bytes':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        size, name, mode, total, p50, p95, raw, zipped = row[:8]
        line = (
            f"{size:>8} {name:<20} {mode:<8} {total:>7} {p50:>7.1f} {p95:>7.1f} "
            f"{raw:>9} {zipped:>8} |"
        )
        if len(row) > 8:
            n50, n95, nbytes, ratio, bratio = row[8:]
            line += f" {n50:>9.0f} {n95:>9.0f} {nbytes:>11} {ratio:>7.0f} {bratio:>7.0f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
