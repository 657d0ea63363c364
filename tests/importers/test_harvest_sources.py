"""Harvests beyond the happy path: faults, a run killed mid-way, CSV and JSON sources,
cross-source duplicates, schedules, recoding rules and the BAN geocoder (all offline, real HTTP
on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule

from catalogue import services
from catalogue.bulk_pages import tree_problems
from catalogue.models import ProjectPage, ProjectSource
from catalogue.records import ProjectRecord
from importers.dedup import registrable_domain
from importers.geocode import Geocoder
from importers.harvest import run_source
from importers.models import (
    DuplicateCandidate,
    GeocodeCache,
    HarvestRun,
    ItemFingerprint,
    Source,
    TagMapping,
    UnknownTag,
)
from importers.recoding import Recoder, match_mapping_label

from . import factories
from .conftest import SHARED_DATA
from .harvesting import (
    manage,
    manage_cmd,
    manage_env,
    start_copied_site,
)


def html_source(openscraper, name: str, start_urls: list[str]) -> Source:
    return factories.apriles_source(openscraper, start_urls, name=name)


def harvest(name, **kwargs):
    proc = manage("harvest", name, "--no-progress", **kwargs)
    return proc, HarvestRun.objects.filter(source__name=name).order_by("-pk").first()


# --- faults ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_faults_are_recorded_per_item_and_nothing_is_lost(local_site, openscraper):
    services.ensure_site_tree()
    source = html_source(
        openscraper,
        "Pannes",
        [local_site.url("faults/list-1.html"), local_site.url("faults/gone.html")],
    )
    proc, run = harvest("Pannes", scrapy={"DOWNLOAD_TIMEOUT": 0.5})
    assert run is not None, proc.stderr
    errors = {(e.kind, e.url): e for e in run.errors.all()}

    def error(kind, path):
        found = errors.get((kind, local_site.url(path)))
        assert found is not None, (kind, path, sorted(errors))
        return found

    assert "HTTP 404" in error("http", "faults/missing.html").reason
    assert error("http", "faults/missing.html").list_url == local_site.url("faults/list-1.html")
    assert error("http", "faults/gone.html").position is None  # a list page that vanished
    assert "HTTP 500" in error("http", "faults/broken.html").reason
    assert "Délai" in error("timeout", "faults/slow.html").reason
    assert "redirection" in error("redirect_loop", "faults/loop-a.html").reason
    assert "robots.txt" in error("robots", "private/secret.html").reason
    assert "n'a rien trouvé" in error("selector", "faults/list-2.html").reason
    assert error("duplicate", "fiches/1637.html").severity == "warning"
    assert "Aucun champ" in error("invalid", "faults/empty.html").reason
    assert (run.failed, run.invalid) == (6, 1)
    assert run.status == "partial" and not run.complete and run.unlisted == 0
    assert run.needs_attention and any(
        "Sélecteurs sans résultat" in r for r in run.attention_reasons
    )
    source.refresh_from_db()
    assert source.needs_attention and "faults/list-2.html" in source.attention_reason

    pages = {s.source_url: s.project for s in ProjectSource.objects.select_related("project")}
    assert set(pages) == {
        local_site.url(p)
        for p in (
            "fiches/1637.html",
            "faults/malformed.html",
            "faults/cp1252.html",
            "faults/cp1252-meta.html",
            "fiches/1634.html",
        )
    }
    assert pages[local_site.url("faults/cp1252.html")].structure_name == "Œuvre d’entraide – Bâle"
    assert pages[local_site.url("faults/cp1252-meta.html")].structure_name == (
        "Société coopérative – Évry"
    )
    assert pages[local_site.url("fiches/1637.html")].title == "Fiche réelle"
    assert run.created == 5 and run.seen == 6
    assert tree_problems() == []
    assert not ProjectPage.objects.filter(latest_revision__isnull=True).exists()


# --- a run killed mid-way -----------------------------------------------------------------


def _detail_hits(site) -> int:
    with site.lock:
        return sum(n for path, n in site.hits.items() if path.startswith("/fiches/"))


def _catalogue() -> dict:
    rows = ProjectSource.objects.filter(source_key="Apriles").values_list(
        "source_id",
        "project__title",
        "project__summary",
        "project__postal_code",
        "project__live",
        "still_listed",
        "missed_runs",
    )
    return {row[0]: row[1:] for row in rows}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_killed_mid_way_leaves_pages_whole_and_the_next_run_resumes(tmp_path, openscraper):
    site, server = start_copied_site(tmp_path)
    try:
        services.ensure_site_tree()
        html_source(openscraper, "Apriles", [site.url("index.html")])
        connection.close()
        slow = {"DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
        process = subprocess.Popen(
            manage_cmd("harvest", "Apriles", "--no-progress", "--batch-size", "5"),
            env=manage_env(slow),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        written = 0
        while time.monotonic() < deadline:
            written = ProjectSource.objects.filter(source_key="Apriles").count()
            if written >= 20:
                break
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        written = ProjectSource.objects.filter(source_key="Apriles").count()
        assert 20 <= written < 180, written
        # Whatever was written is whole: tree, revisions, provenance.
        assert tree_problems() == []
        assert ProjectPage.objects.count() == written
        assert not ProjectPage.objects.filter(latest_revision__isnull=True).exists()
        assert not ProjectPage.objects.filter(sources__isnull=True).exists()
        killed = HarvestRun.objects.get()
        assert killed.status == "running"
        # The pages the killed run wrote with their fingerprint (a batch killed between the
        # two writes is read again: its pages are whole, only the shortcut is missing).
        resumable = ItemFingerprint.objects.exclude(url="").count()
        assert written - 5 <= resumable <= written

        with site.lock:
            site.hits.clear()
        proc, run = harvest("Apriles")
        assert proc.returncode == 0, proc.stderr
        killed.refresh_from_db()
        assert killed.status == "interrupted" and "interrompue" in killed.message
        # Only the remainder is fetched: every list page, the detail pages not yet written.
        assert _detail_hits(site) == 180 - resumable
        assert site.hits_for("index.html") == 1
        assert run.diagnostics["resumed"] == resumable and "reprise" in run.message
        assert (run.created, run.unchanged, run.seen) == (180 - written, written, 180)
        assert run.complete and run.status == "success" and run.unlisted == 0
        assert ProjectPage.objects.count() == 180
        assert ProjectSource.objects.values("source_id").distinct().count() == 180
        assert tree_problems() == []
        # Nothing the first part saw is counted missing: the whole listing was seen.
        resumed = _catalogue()
        assert {row[-2:] for row in resumed.values()} == {(True, 0)}

        # The same catalogue as an uninterrupted run: reading every page again changes
        # nothing, and no run resumes a run that went to its end.
        with site.lock:
            site.hits.clear()
        proc, again = harvest("Apriles")
        assert (again.unchanged, again.seen, again.unlisted) == (180, 180, 0), proc.stderr
        assert again.diagnostics["resumed"] == 0 and _detail_hits(site) == 180
        assert _catalogue() == resumed
    finally:
        server.shutdown()
        server.server_close()


# --- CSV and JSON sources, cross-source duplicates --------------------------------------


def _api_pages(items: list[dict], per_page: int = 2) -> list[bytes]:
    chunks = [items[i : i + per_page] for i in range(0, len(items), per_page)] + [[]]
    return [json.dumps({"page": n, "results": chunk}).encode() for n, chunk in enumerate(chunks, 1)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_csv_and_json_sources_and_cross_source_duplicates(local_site):
    services.ensure_site_tree()
    # FFE laureates from a local file: read in-process (no reactor for a local CSV).
    ffe = Source.objects.create(
        name="La France s'engage",
        kind="csv",
        normaliser="ffe",
        config={"path": str(SHARED_DATA / "ffe-laureates.csv")},
    )
    run = run_source(ffe)
    assert (run.status, run.seen, run.created, run.invalid) == ("success", 150, 150, 0)
    assert run.diagnostics["info"]["csv"] == {"encoding": "utf-8", "delimiter": ","}
    cravate = ProjectPage.objects.get(title__icontains="Cravate Solidaire")
    assert cravate.postal_code == "28700" and cravate.location_note  # corrected, explained
    assert run_source(ffe).unchanged == 150

    # The ragged Apriles export over HTTP: sobi2 ids and original URLs kept.
    body = (SHARED_DATA / "apriles-export.csv").read_bytes()
    url = local_site.route("harvest/apriles-export.csv", body, content_type="text/csv")
    Source.objects.create(
        name="Apriles export", kind="csv", normaliser="apriles_export", config={"url": url}
    )
    proc, run = harvest("Apriles export")
    assert (run.seen, run.created, run.invalid, run.failed) == (180, 180, 0, 0), proc.stderr
    exported = ProjectSource.objects.filter(source_key="Apriles export")
    assert exported.filter(source_id="1637").get().source_url.startswith("http://www.apriles.net/")
    # Links set aside are read where the alignment put the values, not under the shifted
    # header's columns (where titles and regions sit under "website").
    titles = set(exported.values_list("project__title", flat=True))
    set_aside = [e.reason for e in run.errors.filter(kind="website")]
    assert not [r for r in set_aside if any(t[:40] in r for t in titles)], set_aside[:3]
    assert len(set_aside) <= 6, set_aside  # the export's few mangled or second links only (4)
    # One project is listed by both partners under different titles: queued for an editor.
    assert run.queued == 1
    candidate = DuplicateCandidate.objects.get()
    assert "coopératives jeunesse" in candidate.project.title.lower()
    assert candidate.existing.sources.get().source_key == "La France s'engage"
    assert candidate.existing.title == "Les coopératives jeunesse de services (CJS)"
    assert run.merged == 0

    # A JSON API listing projects the other partners already list, and one of its own.
    domains = {}
    for page in ProjectPage.objects.filter(sources__source_key="Apriles export").exclude(
        website=""
    ):
        domains.setdefault(registrable_domain(page.website), []).append(page)
    with_site = [
        pages[0] for domain, pages in sorted(domains.items()) if domain and len(pages) == 1
    ]
    ffe_page = ProjectPage.objects.filter(
        sources__source_key="La France s'engage", insee_code__startswith="35"
    ).first()
    api_items = [
        {
            "id": f"a{n}",
            "name": page.title + " (fiche API)",
            "links": {"website": page.website},
            "labels": ["Tiers-lieux"],
        }
        for n, page in enumerate(with_site[:2])
    ]
    api_items.append(
        {"id": "a9", "name": ffe_page.title, "cp": ffe_page.postal_code, "ville": ffe_page.city}
    )
    api_items.append(
        {"id": "a10", "name": "Atelier vélo solidaire du Blosne", "cp": "35200", "ville": "Rennes"}
    )
    for n, page in enumerate(_api_pages(api_items), 1):
        local_site.route(f"harvest/api?page={n}", page, content_type="application/json")
    Source.objects.create(
        name="API test",
        kind="json",
        config={
            "url": local_site.url("harvest/api"),
            "items_path": "results",
            "fields": {
                "id": "id",
                "titre": "name",
                "site": "links.website",
                "tags": "labels",
                "code postal": "cp",
                "ville": "ville",
            },
            "pagination": {"mode": "page", "page_param": "page"},
        },
    )
    proc, run = harvest("API test")
    details = (
        run.counts(),
        list(
            ProjectSource.objects.filter(source_key="API test").values_list(
                "source_id", "project__title"
            )
        ),
    )
    assert (run.seen, run.created, run.merged, run.invalid) == (4, 1, 3, 0), details
    ffe_page.refresh_from_db()
    assert sorted(ffe_page.sources.values_list("source_key", flat=True)) == [
        "API test",
        "La France s'engage",
    ]
    new = ProjectPage.objects.get(title="Atelier vélo solidaire du Blosne")
    assert (new.insee_code, new.postal_code) == ("35238", "35200")
    assert UnknownTag.objects.get(source__name="API test").tag == "Tiers-lieux"
    proc, again = harvest("API test")
    assert (again.created, again.unchanged) == (0, 4)
    assert tree_problems() == []


# --- schedules and isolation -------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_follows_the_source():
    source = Source.objects.create(
        name="Sitemap test",
        kind="sitemap",
        schedule="30 2 * * *",
        config={
            "sitemap_urls": ["https://example.org/sitemap.xml"],
            "fields": [{"name": "titre", "selector": "//h1/text()"}],
        },
    )
    schedule = Schedule.objects.get(name=f"harvest:{source.pk}")
    assert (schedule.func, schedule.schedule_type, schedule.cron) == (
        "importers.tasks.harvest_source",
        Schedule.CRON,
        "30 2 * * *",
    )
    assert schedule.next_run > timezone.now()
    source.schedule = "0 5 * * 1"
    source.save()
    schedule.refresh_from_db()
    ours = Schedule.objects.filter(name__startswith="harvest:")
    assert schedule.cron == "0 5 * * 1" and ours.count() == 1
    source.enabled = False
    source.save()
    assert not ours.exists()
    source.enabled = True
    source.save()
    assert ours.count() == 1
    source.delete()
    assert not ours.exists()
    with pytest.raises(ValidationError) as error:
        Source(name="x", kind="sitemap", schedule="chaque lundi", config=source.config).full_clean()
    assert "Expression cron invalide" in str(error.value)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_source_never_stops_the_others():
    services.ensure_site_tree()
    Source.objects.create(name="Cassée", kind="json", config={"url": "pas une url"})
    Source.objects.create(
        name="Petite",
        kind="csv",
        normaliser="ffe",
        max_items=5,
        config={"path": str(SHARED_DATA / "ffe-laureates.csv")},
    )
    proc = manage("harvest", "Cassée", "Petite", "--no-progress")
    assert proc.returncode != 0 and "Cassée" in proc.stderr
    broken = HarvestRun.objects.get(source__name="Cassée")
    assert broken.status == "failed" and "URL d'API" in broken.message
    ok = HarvestRun.objects.get(source__name="Petite")
    assert ok.status == "success" and ok.created >= 1


# --- recoding rules and geocoding --------------------------------------------------------


@pytest.mark.django_db
def test_seeded_rules_match_sources_by_name_and_unite_duplicates():
    assert match_mapping_label("Apriles") == "ODAS - APRILES"
    assert match_mapping_label("ATLAAS") == "Atlaas - villes internet"
    assert match_mapping_label("Bretagne Creative") == "Bretagne Créative"
    assert (
        match_mapping_label("My Positive Impact") == "My Positive Impact (Fondation Nicolas Hulot)"
    )
    assert match_mapping_label("RTES") == "RTES"
    assert match_mapping_label("Socialement responsable") is None
    silver = TagMapping.objects.get(source_label="Avise", tag_key="silver economie")
    assert sorted(silver.codes.values_list("code", flat=True)) == ["ECO", "SEN"]
    source = Source.objects.create(name="Bretagne Creative", kind="rss", config={
        "feed_urls": ["https://example.org/feed"], "fields": [{"name": "titre", "selector": "title/text()", "on": "list"}]
    })  # fmt: skip
    recoder = Recoder(source)
    codes, unknown = recoder.recode(["silver economie", "Inconnu au bataillon"])
    assert codes and unknown == ["Inconnu au bataillon"]


@pytest.mark.django_db
def test_ban_geocoder_is_used_when_enabled_and_cached(local_site):
    answer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-1.6743, 48.1113]},
                "properties": {
                    "label": "10 Rue de la Monnaie 35000 Rennes",
                    "score": 0.93,
                    "postcode": "35000",
                    "citycode": "35238",
                    "city": "Rennes",
                },
            }
        ],
    }
    local_site.route("ban/search", json.dumps(answer), content_type="application/json")
    domain = local_site.base.split("://")[1].rstrip("/") + "/ban"
    with override_settings(GEOCODER_BAN_DOMAIN=domain, GEOCODER_BAN_SCHEME="http"):
        geocoder = Geocoder(ban_enabled=True)
        record = ProjectRecord(title="x", address="10 rue de la Monnaie", postal_code="35000")
        geocoder.geocode(record)
        assert (record.insee_code, record.latitude, record.longitude) == ("35238", 48.1113, -1.6743)
        again = ProjectRecord(title="y", address="10 rue de la Monnaie", postal_code="35000")
        geocoder.geocode(again)
    assert geocoder.ban_queries == 1 and geocoder.cache_hits == 1
    assert GeocodeCache.objects.get().insee_code == "35238"
    offline = ProjectRecord(title="z", address="10 rue de la Monnaie", postal_code="35000")
    Geocoder(ban_enabled=False).geocode(offline)
    assert offline.insee_code == "35238" and offline.latitude != 48.1113  # commune centre


@pytest.mark.django_db
def test_dry_run_reports_what_would_happen_and_writes_nothing():
    services.ensure_site_tree()
    source = Source.objects.create(
        name="La France s'engage",
        kind="csv",
        normaliser="ffe",
        config={"path": str(SHARED_DATA / "ffe-laureates.csv")},
    )
    run = run_source(source, dry_run=True)
    assert (run.dry_run, run.seen, run.created, run.complete) == (True, 150, 150, False)
    assert "essai à blanc" in run.message
    assert ProjectPage.objects.count() == 0 and not ProjectSource.objects.exists()
    assert not UnknownTag.objects.exists()
