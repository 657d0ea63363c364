"""Benchmark: the catalogue's search engine against a naive ORM baseline, at 10k/50k/100k projects.

Run (SQLite, a scratch file under var/bench-search/):
    .venv/bin/python bench/search.py --sizes 10000,50000,100000
PostgreSQL (a scratch database that will be filled; never a real one):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python bench/search.py

Data. Project pages are bulk-created (`Page` rows with computed treebeard paths, then the
`ProjectPage` rows, codes and provenance rows, as STACK-NOTES describes; no revisions), then
the search index is built with `indexer.rebuild()` exactly as `rebuild_search_index` does, so
the engine reads a real index of real pages. Text is real: titles, summaries and descriptions
of the FFE and Apriles records, shuffled and recombined. Places follow a real distribution:
60 % at the communes of the real records (weighted by their frequency, so cities dominate),
40 % at communes drawn uniformly from the gazetteer (rural France), jittered by ~1 km. Codes
follow the real records' code frequencies (1-3 per project).

Measured, per size:
- engine: `execute()` of text + two facets (domaine, public) with ALL facet counts (12 facets)
  and the first page of results as ProjectPage objects (image and sources prefetched);
- engine, no text (two facets and all counts), and a 20 km radius around Lyon;
- engine, free text alone (no facet), ranked by relevance, with all counts and page 1: a
  common word ("jeunes", ~40 % of the catalogue), a middling one ("habitat", ~10 %) and a
  rarer one ("alimentation", ~3 %), each timed separately and all together; its naive
  baseline is the same `icontains` query without the facet joins;
- naive baseline: `icontains` on title/summary/description, the two facets as joins, COUNT +
  first page, and one COUNT per value of the Domaines, Publics and Méthodes facets (the
  baseline the issue describes).
Prints p50/p95 and the naive/engine ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

WORDS = [
    "jeunes",
    "emploi",
    "insertion",
    "habitat",
    "santé",
    "solidaire",
    "numérique",
    "éducation",
    "personnes âgées",
    "alimentation",
    "handicap",
    "quartier",
    "logement",
    "culture",
    "mobilité",
    "formation",
]


def setup_django(sqlite_path: Path | None):
    if sqlite_path is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carrefour.settings.test")
    import django

    django.setup()


def percentile(values, q):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


class Timings(list):
    """Wall-clock durations, plus this process's CPU time for each (with SQLite the database
    runs in-process, so CPU time is the work done, whatever else loads the machine)."""

    def __init__(self):
        super().__init__()
        self.cpu = []


def timed(fn, runs):
    durations = Timings()
    for args in runs:
        cpu = time.process_time()
        start = time.perf_counter()
        fn(*args)
        durations.append(time.perf_counter() - start)
        durations.cpu.append(time.process_time() - cpu)
    return durations


def fmt(durations):
    text = (
        f"wall p50 {percentile(durations, 0.5) * 1000:7.1f} ms  "
        f"p95 {percentile(durations, 0.95) * 1000:7.1f} ms"
    )
    if getattr(durations, "cpu", None) and CPU_MEANINGFUL:
        text += (
            f" | cpu p50 {percentile(durations.cpu, 0.5) * 1000:7.1f} ms  "
            f"p95 {percentile(durations.cpu, 0.95) * 1000:7.1f} ms"
        )
    return text + f"  (n={len(durations)})"


CPU_MEANINGFUL = True


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
class Material:
    """Real text, codes and places to recombine."""

    def __init__(self):
        from catalogue import geography
        from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates

        data = Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
        records = list(read_ffe_laureates(data / "ffe-laureates.csv"))
        records += list(read_apriles_export(data / "apriles-export.csv"))
        self.titles = [r.title for r in records if r.title]
        self.summaries = [r.summary for r in records if r.summary]
        self.descriptions = [r.description for r in records if r.description]
        self.structures = [r.structure_name for r in records if r.structure_name]
        codes = Counter(c for r in records for c in r.codes)
        self.codes, self.code_weights = zip(*codes.items(), strict=True)
        real_places = Counter(r.insee_code for r in records if r.insee_code)
        self.real_insee, self.real_weights = zip(*real_places.items(), strict=True)
        table = geography._table()
        self.all_insee = [
            insee
            for insee, rows in table.by_insee.items()
            if table.lat[rows[0]] == table.lat[rows[0]]
        ]
        self._communes = {}
        self.geography = geography

    def commune(self, insee):
        if insee not in self._communes:
            self._communes[insee] = self.geography.commune_by_insee(insee)
        return self._communes[insee]

    def place(self, rng):
        if rng.random() < 0.6:
            insee = rng.choices(self.real_insee, self.real_weights)[0]
        else:
            insee = rng.choice(self.all_insee)
        commune = self.commune(insee)
        if commune is None or not commune.has_centre:
            return None
        return commune


def create_projects(material: Material, count: int, start: int, partners, rng):
    """Bulk-create `count` published project pages (see the module docstring)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone
    from wagtail.models import Page

    from catalogue.models import NomenclatureCode, ProjectIndexPage, ProjectPage, ProjectSource
    from catalogue.models.choices import Scale, Stage, StructureKind

    index = ProjectIndexPage.objects.get()
    project_ct = ContentType.objects.get_for_model(ProjectPage)
    code_ids = dict(NomenclatureCode.objects.values_list("code", "pk"))
    now = timezone.now()
    kinds = [""] + list(StructureKind.values)
    stages = [""] + list(Stage.values)
    scales = [""] + list(Scale.values)
    through = ProjectPage.codes.through
    batch = 2000
    with transaction.atomic():
        last = index.get_last_child()
        step = (int(last.path[-Page.steplen :], 36) + 1) if last else 1
        for offset in range(0, count, batch):
            pages = []
            n = min(batch, count - offset)
            for i in range(n):
                number = start + offset + i
                commune = material.place(rng)
                slug = f"projet-{number}"
                page = ProjectPage(
                    title=rng.choice(material.titles)[:255],  # Page.title is varchar(255)
                    slug=slug,
                    path=Page._get_path(index.path, index.depth + 1, step + offset + i),
                    depth=index.depth + 1,
                    numchild=0,
                    url_path=f"{index.url_path}{slug}/",
                    content_type_id=project_ct.id,
                    locale_id=index.locale_id,
                    translation_key=uuid.uuid4(),
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=now - timezone.timedelta(days=rng.randint(0, 3000)),
                    last_published_at=now,
                    summary=rng.choice(material.summaries)[:600],
                    description="<p>" + rng.choice(material.descriptions) + "</p>",
                    structure_name=rng.choice(material.structures),
                    structure_kind=rng.choice(kinds),
                    stage=rng.choice(stages),
                    scale=rng.choice(scales),
                    coup_de_coeur=rng.random() < 0.01,
                )
                if commune is not None:
                    page.insee_code = commune.insee_code
                    page.city = commune.name
                    page.department_code = commune.department_code
                    page.department_name = commune.department_name
                    page.region_code = commune.region_code
                    page.region_name = commune.region_name
                    page.latitude = commune.lat + rng.uniform(-0.01, 0.01)
                    page.longitude = commune.lon + rng.uniform(-0.01, 0.01)
                    page.location = f"SRID=4326;POINT({page.longitude} {page.latitude})"
                pages.append(page)
            base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
            bases = [Page(**{f.attname: getattr(p, f.attname) for f in base_fields}) for p in pages]
            Page.objects.bulk_create(bases, batch_size=500)
            for page, base in zip(pages, bases, strict=True):
                page.id = page.page_ptr_id = base.id
            manager = ProjectPage._base_manager
            fields = list(ProjectPage._meta.local_concrete_fields)
            # real texts may exceed a column's length; PostgreSQL refuses what SQLite accepts
            limited = [
                f for f in fields if getattr(f, "max_length", None) and f.attname != "location"
            ]
            for page in pages:
                for f in limited:
                    value = getattr(page, f.attname)
                    if isinstance(value, str) and len(value) > f.max_length:
                        setattr(page, f.attname, value[: f.max_length])
            for chunk in range(0, len(pages), 200):
                manager._insert(pages[chunk : chunk + 200], fields=fields, using=manager.db)
            links = []
            for page in pages:
                wanted = set(
                    rng.choices(material.codes, material.code_weights, k=rng.randint(1, 3))
                )
                links += [
                    through(projectpage_id=page.pk, nomenclaturecode_id=code_ids[c])
                    for c in wanted
                    if c in code_ids
                ]
            through.objects.bulk_create(links, batch_size=1000)
            ProjectSource.objects.bulk_create(
                [
                    ProjectSource(
                        project_id=page.pk,
                        source_key=partner.title,
                        source_id=str(page.pk),
                        partner=partner,
                        still_listed=rng.random() < 0.95,
                    )
                    for page in pages
                    for partner in [rng.choice(partners)]
                ],
                batch_size=1000,
            )
        Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + count)


def prepare_site():
    from catalogue import services

    tree = services.ensure_site_tree()
    partners = [services.upsert_partner(f"Réseau partenaire {n}") for n in range(1, 9)]
    return tree, partners


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------
def engine_runs(rng, n):
    from catalogue.models import TaxonomyGroup

    domaines = list(TaxonomyGroup.objects.filter(family="domaines").values_list("slug", flat=True))
    publics = list(TaxonomyGroup.objects.filter(family="publics").values_list("slug", flat=True))
    return [(rng.choice(WORDS), rng.choice(domaines), rng.choice(publics)) for _ in range(n)]


def engine_query(word, domaine, public):
    from catalogue.search import SearchQuery
    from catalogue.search.engine import execute

    results = execute(
        SearchQuery.from_params({"q": word, "domaine": domaine, "public": public}), suggest=False
    )
    assert len(results.facets) >= 12  # each facet with values (the 100k build fills them)
    return results


def engine_no_text(word, domaine, public):
    from catalogue.search import SearchQuery
    from catalogue.search.engine import execute

    return execute(SearchQuery.from_params({"domaine": domaine, "public": public}), suggest=False)


def engine_radius(word, domaine, public):
    from catalogue.search import SearchQuery
    from catalogue.search.engine import execute

    return execute(
        SearchQuery.from_params({"q": word, "commune": "69123", "rayon": "20"}), suggest=False
    )


# Free text alone (no facet), from the most to the least common match.
TEXT_ALONE_WORDS = ["jeunes", "habitat", "alimentation", "emploi", "numérique"]


def engine_text_alone(word, domaine=None, public=None):
    from catalogue.search import SearchQuery
    from catalogue.search.engine import execute

    results = execute(SearchQuery.from_params({"q": word}), suggest=False)
    assert len(results.facets) >= 12 and results.sort == "relevance"
    return results


def naive_query(word, domaine=None, public=None):
    """`icontains` text filter, the facets as joins (when given), COUNT, page 1 and one COUNT
    per taxonomy group."""
    from django.db.models import Q

    from catalogue.models import ProjectPage, TaxonomyGroup

    qs = ProjectPage.objects.live().public()
    qs = qs.filter(
        Q(title__icontains=word) | Q(summary__icontains=word) | Q(description__icontains=word)
    )
    if domaine and public:
        qs = qs.filter(codes__groups__slug=domaine).filter(codes__groups__slug=public).distinct()
    count = qs.count()
    page = list(qs.order_by("-first_published_at")[:20])
    counts = {}
    for group in TaxonomyGroup.objects.all():
        counts[group.slug] = qs.filter(codes__groups=group).count()
    return count, page, counts


def similar_report(rng, n):
    """Similar projects ("Projets similaires") of random projects, in the same engine state."""
    from catalogue.models import ProjectSearchEntry
    from catalogue.search.similar import similar_projects

    ids = list(ProjectSearchEntry.objects.values_list("pk", flat=True))
    picks = [(pk,) for pk in rng.sample(ids, min(n, len(ids)))]
    similar_projects(picks[0][0])  # warm: entry places and code sets of this data version
    durations = timed(similar_projects, picks)
    target = "OK" if percentile(durations, 0.95) < 0.050 else "MISSED"
    print(f"engine  similar projects (near + elsewhere):          {fmt(durations)}")
    print(f"target  similar p95 < 50 ms: {target} (naive baseline: bench/territories.py)")


def edit_and_reindex(pk: int, n: int) -> None:
    """What a publish does to the index: one page's title and codes change, it is re-indexed
    (its journal row, a new data version), committed."""
    from catalogue.models import NomenclatureCode, ProjectPage
    from catalogue.search import indexer

    page = ProjectPage.objects.get(pk=pk)
    ProjectPage.objects.filter(pk=pk).update(
        title=(f"Jeunes et emploi {n} : {page.title}" if n % 2 else page.title[:200])[:255]
    )
    code = NomenclatureCode.objects.order_by("?").first()
    page.codes.add(code)
    indexer.index_project(pk)


def after_change(runs, rng):
    """The first query after a change, for each query shape measured above (the text-alone
    words, text + facets, facets alone, radius): a page is edited and re-indexed before each.
    With the journal's delta, then with everything read again (the previous behaviour, here
    `idsets.forget()` before each query), same shapes, same run."""
    from catalogue.models import ProjectPage
    from catalogue.search import idsets

    ids = list(ProjectPage.objects.live().values_list("pk", flat=True)[:5000])
    shapes = [(engine_text_alone, (w,)) for w in TEXT_ALONE_WORDS]
    shapes += [(fn, runs[i]) for fn in (engine_query, engine_no_text) for i in range(3)]
    shapes += [(engine_radius, runs[0])]
    for fn, args in shapes:  # held once, as on a site that served these before the change
        fn(*args)
    measured = []
    for full in (False, True):
        durations = Timings()
        for n, (fn, args) in enumerate(shapes):
            edit_and_reindex(rng.choice(ids), n)
            if full:
                idsets.forget()
            one = timed(fn, [args])
            durations += one
            durations.cpu += one.cpu
        measured.append(durations)
    return measured


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--naive-queries", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of a previous run and only measure (its size must be listed)",
    )
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    sqlite_path = None
    if "DATABASE_URL" not in os.environ:
        sqlite_path = ROOT / "var" / "bench-search" / "search.sqlite3"
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
    setup_django(sqlite_path)
    from django.core.management import call_command
    from django.db import connection

    global CPU_MEANINGFUL
    CPU_MEANINGFUL = connection.vendor == "sqlite"
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")

    from catalogue.models import ProjectPage
    from catalogue.search import indexer

    if connection.vendor == "postgresql" and not args.reuse:
        from django.db import connection as c

        print(f"PostgreSQL database {c.settings_dict['NAME']} (emptied)")
        with c.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    material = Material()
    _tree, partners = prepare_site()
    print(f"database: {connection.vendor}; real material: {len(material.titles)} records")

    existing = ProjectPage.objects.count()
    for size in sizes:
        if args.reuse and size < existing:
            continue
        print(f"\n=== {size:,} projects ===")
        if existing < size:
            start = time.perf_counter()
            create_projects(material, size - existing, existing, partners, rng)
            created = time.perf_counter() - start
            existing = size
            start, cpu = time.perf_counter(), time.process_time()
            indexed = indexer.rebuild()
            rebuilt, rebuilt_cpu = time.perf_counter() - start, time.process_time() - cpu
            assert indexed == ProjectPage.objects.live().count() == size, indexed
            print(
                f"pages bulk-created in {created:.1f} s; index rebuilt in {rebuilt:.1f} s "
                f"({size / rebuilt:,.0f} pages/s; cpu {rebuilt_cpu:.1f} s, "
                f"{size / rebuilt_cpu:,.0f} pages/s)"
            )
        runs = engine_runs(rng, args.queries)
        for fn in (engine_query, engine_no_text, engine_radius):
            fn(*runs[0])  # warm caches (gazetteer, taxonomy, statement cache)
        engine = timed(engine_query, runs)
        hits = [engine_query(*r).count for r in runs[:10]]
        print(f"engine  text + 2 facets + 12 facet counts + page 1: {fmt(engine)}")
        print(f"        (matches per query, first 10: {hits})")
        print(
            f"engine  2 facets + 12 facet counts + page 1:        {fmt(timed(engine_no_text, runs))}"
        )
        print(
            f"engine  text + 20 km around Lyon + counts:           {fmt(timed(engine_radius, runs))}"
        )
        for fn in (engine_text_alone,):
            fn(TEXT_ALONE_WORDS[0])
        alone_all = Timings()
        for word in TEXT_ALONE_WORDS:
            word_runs = [(word,)] * max(1, args.queries // len(TEXT_ALONE_WORDS))
            durations = timed(engine_text_alone, word_runs)
            alone_all += durations
            alone_all.cpu += durations.cpu
            n = engine_text_alone(word).count
            print(f"engine  text alone {word!r:15} ({n:6,} matches):  {fmt(durations)}")
        print(f"engine  text alone, all words above:                {fmt(alone_all)}")
        # The times above repeat each word within one data version; these are the first
        # query of each word, with nothing held for the word (its relevance order) but the
        # facet bitmaps held.
        from catalogue import freshness
        from catalogue.search import bitmaps, idsets
        from catalogue.search.query import FACETS

        first_word = []
        for word in TEXT_ALONE_WORDS:
            idsets.forget()
            freshness.bump()  # nor shared through Django's cache
            bitmaps.facet_bitmaps(list(FACETS))
            first_word += timed(engine_text_alone, [(word,)])
        print(
            "engine  text alone, first query of each word:       "
            + " ".join(f"{d * 1000:.0f}" for d in first_word)
            + " ms"
        )
        delta_runs, full_runs = after_change(runs, rng)
        print(f"engine  first query after a change (journal delta):  {fmt(delta_runs)}")
        print("        (each query shape above once, one page edited and re-indexed before each)")
        print(f"before  first query after a change (all read again): {fmt(full_runs)}")
        print(
            f"ratio   all read again / delta, first query after a change: p50 "
            f"{percentile(full_runs, 0.5) / percentile(delta_runs, 0.5):.1f}x, p95 "
            f"{percentile(full_runs, 0.95) / percentile(delta_runs, 0.95):.1f}x"
        )
        naive_alone = timed(naive_query, [(w,) for w in TEXT_ALONE_WORDS[:3]])
        engine_alone_same = timed(engine_text_alone, [(w,) for w in TEXT_ALONE_WORDS[:3]])
        print(f"naive   text alone (first 3 words):                  {fmt(naive_alone)}")
        print(
            f"ratio   naive / engine, text alone (same words): p50 "
            f"{percentile(naive_alone, 0.5) / percentile(engine_alone_same, 0.5):.1f}x, p95 "
            f"{percentile(naive_alone, 0.95) / percentile(engine_alone_same, 0.95):.1f}x"
        )
        naive_runs = runs[: args.naive_queries]
        naive = timed(naive_query, naive_runs)
        print(f"naive   icontains + joins + COUNT per facet value:   {fmt(naive)}")
        engine_same = timed(engine_query, naive_runs)
        print(
            f"ratio   naive / engine (same queries): p50 "
            f"{percentile(naive, 0.5) / percentile(engine_same, 0.5):.1f}x, p95 "
            f"{percentile(naive, 0.95) / percentile(engine_same, 0.95):.1f}x"
        )
        if CPU_MEANINGFUL:
            print(
                f"ratio   (cpu) p50 {percentile(naive.cpu, 0.5) / percentile(engine_same.cpu, 0.5):.1f}x,"
                f" p95 {percentile(naive.cpu, 0.95) / percentile(engine_same.cpu, 0.95):.1f}x"
            )
        target = "OK" if percentile(engine, 0.95) < 0.150 else "MISSED"
        alone_target = "OK" if percentile(alone_all, 0.95) < 0.150 else "MISSED"
        change_target = "OK" if percentile(delta_runs, 0.95) < 0.150 else "MISSED"
        print(
            f"target  wall p95 < 150 ms: {target}; text alone: {alone_target}; first after a "
            f"change: {change_target}; load average {os.getloadavg()[0]:.1f}"
        )
        similar_report(rng, args.queries)


if __name__ == "__main__":
    main()
