"""The harvester end to end: the real Apriles configuration, imported with `import_sources`,
harvested by `manage.py harvest` in a subprocess against the test database, from a copy of
the Apriles mock served on 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from django.db.models import Count
from wagtail.models import Revision

from catalogue import page_values, services
from catalogue.bulk_pages import tree_problems
from catalogue.models import ProjectPage, ProjectSearchEntry, ProjectSource
from importers.models import HarvestRun, Source
from importers.normalise.clean import clean_email

from .harvesting import expected, manage, spiders_file, start_copied_site

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def apriles_site(tmp_path):
    site, server = start_copied_site(tmp_path)
    yield site
    server.shutdown()
    server.server_close()


def harvest(*args, **kwargs):
    proc = manage("harvest", *args, "--no-progress", **kwargs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, HarvestRun.objects.order_by("-pk").first()


def revision_counts():
    rows = Revision.page_revisions.values("object_id").annotate(n=Count("id"))
    return {row["object_id"]: row["n"] for row in rows}


def by_sobi2():
    return {
        s.source_id: s
        for s in ProjectSource.objects.filter(source_key="Apriles").select_related("project")
    }


def test_apriles_journey(apriles_site, tmp_path):
    services.ensure_site_tree()
    want = expected()

    # -- the real configuration, URLs moved to the local copy ------------------------------
    proc = manage("import_sources", str(spiders_file(tmp_path, apriles_site.url("index.html"))))
    assert proc.returncode == 0, proc.stderr
    assert "Apriles : créée" in proc.stdout
    assert "XPath absolues" in proc.stdout  # what the import had to interpret is reported
    source = Source.objects.get(name="Apriles")
    assert (source.kind, source.normaliser, source.mapping_label) == (
        "html",
        "apriles",
        "ODAS - APRILES",
    )
    assert source.config["item_selector"] == want["about"]["item_xpath"]
    assert source.config["follow_selector"] == want["about"]["follow_xpath"]
    assert source.enabled and source.schedule == "0 3 * * 1"

    # -- first run: 180 pages ----------------------------------------------------------------
    proc, run = harvest("Apriles")
    assert "vues 180, créées 180, mises à jour 0, inchangées 0, invalides 0, en échec 0" in (
        proc.stdout
    )
    assert (run.status, run.complete, run.seen, run.created, run.invalid, run.failed) == (
        "success",
        True,
        180,
        180,
        0,
        0,
    )
    assert not run.needs_attention and not Source.objects.get(pk=source.pk).needs_attention
    assert run.finished_at > run.started_at and run.errors.exclude(kind__in=("unplaced", "website")).count() == 0
    # Records in no commune (a region only) are reported as warnings, with id and title.
    unplaced = run.errors.filter(kind="unplaced")
    assert unplaced.count() == run.diagnostics["placement"]["unplaced"] > 0
    assert {e.severity for e in unplaced} == {"warning"}
    assert all(" — " in e.title and e.url for e in unplaced)
    # Links the records did not keep (a second site, a mangled address) are listed too.
    assert {e.severity for e in run.errors.filter(kind="website")} <= {"warning"}
    sources = by_sobi2()
    assert len(sources) == 180 and ProjectPage.objects.count() == 180
    for rel, item in want["items"].items():
        fields = item["fields"]
        page = sources[item["source"]["sobi2Id"]].project
        src = sources[item["source"]["sobi2Id"]]
        assert src.source_url == apriles_site.url(rel)
        assert page.title == fields["titre du projet"][0]
        assert page.live and page.url_path == f"/accueil/projets/{page.slug}/"
        if "structure porteuse" in fields:
            assert page.structure_name == page_values.fit(
                "structure_name", fields["structure porteuse"][0]
            )
        assert set(src.raw_tags) == set(fields.get("tags", []))
        mails = [
            v[7:]
            for v in fields.get("website", [])
            if v.startswith("mailto:") and clean_email(v[7:])
        ]
        if mails and not page.contact_email:
            pytest.fail(f"{rel}: e-mail {mails} lost")
        if "résumé du projet" in fields:
            first_words = " ".join(fields["résumé du projet"][0].split()[:5])
            assert page.summary.startswith(first_words) or first_words in page.description
    # recoded through the editable rules (seeded from the committed tables)
    page_1637 = sources["1637"].project
    assert {"GOU", "COO", "EVA", "PAR", "INS"} <= set(
        page_1637.codes.values_list("code", flat=True)
    )
    assert (page_1637.postal_code, page_1637.city, page_1637.insee_code) == (
        "89400",
        "Migennes",
        "89257",
    )
    assert tree_problems() == []
    assert ProjectSearchEntry.objects.count() == 180
    assert not ProjectPage.objects.filter(latest_revision__isnull=True).exists()
    urls = dict(ProjectPage.objects.values_list("pk", "url_path"))
    revisions = revision_counts()

    # -- second run: nothing created, nothing changed -----------------------------------------
    proc, run = harvest("Apriles")
    assert (run.seen, run.created, run.updated, run.unchanged) == (180, 0, 0, 180)
    assert dict(ProjectPage.objects.values_list("pk", "url_path")) == urls
    assert revision_counts() == revisions

    # -- upstream change, a curated field, a record gone ------------------------------------
    apriles_site.edit(
        "fiches/1637.html",
        "Centre parental de Migennes - Croix Rouge française</span>",
        "Centre parental de Migennes (Croix-Rouge française)</span>",
    )
    page_1636 = sources["1636"].project
    draft = page_1636.get_latest_revision_as_object()
    draft.title = "La légumerie du Grand Cahors"
    draft.save_revision().publish()
    services.mark_curated(page_1636, ["title"], by="editor")
    apriles_site.edit("index.html", "La légumerie : première pierre", "La Légumerie : 1re pierre")
    index = (apriles_site.root / "index.html").read_text(encoding="utf-8")
    line = re.search(r"^<tr>.*fiches/1635\.html.*</tr>\n", index, re.M).group(0)
    (apriles_site.root / "index.html").write_text(index.replace(line, ""), encoding="utf-8")
    Source.objects.filter(pk=source.pk).update(unlisted_after=1, unpublish_unlisted=True)

    proc, run = harvest("Apriles")
    assert (run.seen, run.created, run.updated, run.unchanged, run.unlisted) == (179, 0, 1, 178, 1)
    sources = by_sobi2()
    page_1637.refresh_from_db()
    assert page_1637.structure_name == "Centre parental de Migennes (Croix-Rouge française)"
    assert page_1637.url_path == urls[page_1637.pk]  # the URL never changes
    assert page_1637.revisions.count() == revisions[str(page_1637.pk)] + 1
    page_1636.refresh_from_db()
    assert page_1636.title == "La légumerie du Grand Cahors"  # curated: kept
    gone = sources["1635"]
    assert not gone.still_listed and not gone.project.live  # unpublished, never deleted
    assert ProjectPage.objects.count() == 180

    # -- the record comes back: restored ----------------------------------------------------
    apriles_site.restore("index.html")
    proc, run = harvest("Apriles")
    assert run.created == 0 and run.unlisted == 0
    gone = by_sobi2()["1635"]
    assert gone.still_listed and gone.project.live
    assert gone.project.url_path == urls[gone.project.pk]
    assert tree_problems() == []
    assert ProjectPage.objects.count() == 180
