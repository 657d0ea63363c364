"""Acceptance (issue 12): three partner directories the project has never seen, served on
127.0.0.1 by mocks of our own (an HTML directory in the structure of the real Apriles
OpenScraper configuration, a paginated JSON API, a ragged CSV export whose ids restart),
configured by `import_sources` only: fields exactly right, paragraphs kept, no duplicate on a
second run, a renamed record updated in place."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from catalogue import services
from catalogue.models import ProjectPage
from importers.crawl.config import from_openscraper
from importers.harvest import run_source
from importers.models import HarvestRun, Source

from .conftest import openscraper_spider
from .harvesting import manage

N = 12
CITIES = [("59000", "Lille"), ("35000", "Rennes"), ("33000", "Bordeaux"), ("44000", "Nantes")]


def records(prefix):
    out = []
    for i in range(1, N + 1):
        cp, city = CITIES[i % len(CITIES)]
        out.append({
            "id": i, "title": f"{prefix} projet {i} des {city}",
            "site": f"https://{prefix.lower()}{i}.example.org",
            "email": f"contact{i}@{prefix.lower()}.example.org", "cp": cp, "city": city,
            "paras": [f"Premier paragraphe du projet {i}.", f"Deuxième paragraphe, numéro {i}."],
        })  # fmt: skip
    return out


def html_site(site, recs):
    per_page = 5
    pages = [recs[i : i + per_page] for i in range(0, len(recs), per_page)]
    for n, chunk in enumerate(pages, 1):
        rows = "".join(
            f'<tr><td><span class="sobi2ItemTitle"><a href="fiche-{r["id"]}.html">{r["title"]}'
            f'</a></span><br/><span class="sobi2Listing_field_objectif">Résumé {r["id"]}.</span>'
            "</td></tr>"
            for r in chunk
        )
        nxt = (
            f'<a title="Suivante" href="liste-{n + 1}.html">Suivante</a>' if n < len(pages) else ""
        )
        site.route(f"acc-html/liste-{n}.html", f'<table class="sobi2Listing">{rows}</table>{nxt}')
    for r in recs:
        paras = "".join(f"<p>{p}</p>" for p in r["paras"])
        site.route(
            f"acc-html/fiche-{r['id']}.html",
            f'<div><span id="sobi2Listing_field_porteur_label">Contact</span>'
            f'<a href="{r["site"]}">site</a></div><div class="texte">{paras}</div>'
            f'<span class="mail">{r["email"]}</span><span class="ville">{r["cp"]} {r["city"]}</span>',
        )
    return site.url("acc-html/liste-1.html")


def json_site(site, recs, per_page=5):
    chunks = [recs[i : i + per_page] for i in range(0, len(recs), per_page)] + [[]]
    for n, chunk in enumerate(chunks, 1):
        data = [
            {"ref": r["id"], "nom": r["title"], "liens": {"web": r["site"]}, "mail": r["email"],
             "lieu": {"cp": r["cp"], "ville": r["city"]}, "texte": "\n\n".join(r["paras"])}
            for r in chunk
        ]  # fmt: skip
        site.route(f"acc-api/projets?page={n}", json.dumps({"results": data}),
                   content_type="application/json")  # fmt: skip
    return site.url("acc-api/projets")


def csv_file(path, recs):
    lines = ["liste;num;nom;site;courriel;cp;ville;texte"]
    for r in recs:
        text = "\n\n".join(r["paras"]).replace('"', "")
        num = (r["id"] - 1) % 4 + 1  # three lists of four, each numbered from 1
        liste = (r["id"] - 1) // 4 + 1
        row = [
            str(liste),
            str(num),
            r["title"],
            r["site"],
            r["email"],
            r["cp"],
            r["city"],
            f'"{text}"',
        ]
        lines.append(";".join(row[: 7 if not r["site"] else 8]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def definitions(openscraper, html_url, api_url, csv_path):
    apriles = from_openscraper(openscraper_spider(openscraper, "Apriles"), openscraper["datamodel"])
    html = apriles.config.to_dict()
    for key in ("kind", "name", "limits", "spider"):
        html.pop(key)
    html["start_urls"] = [html_url]
    keep = {"titre du projet", "website", "résumé du projet"}
    html["fields"] = [f for f in html["fields"] if f["name"] in keep] + [
        {"name": "description", "selector": "//div[@class='texte']", "on": "detail"},
        {"name": "email", "selector": "//span[@class='mail']/text()", "on": "detail"},
        {"name": "adresse", "selector": "//span[@class='ville']/text()", "on": "detail"},
    ]
    return [
        {"name": "Annuaire inédit", "kind": "html", "config": html,
         "politeness": {"download_delay": 0}},
        {"name": "API inédite", "kind": "json", "config": {
            "url": api_url, "items_path": "results",
            "fields": {"id": "ref", "titre": "nom", "site": "liens.web", "email": "mail",
                       "code postal": "lieu.cp", "ville": "lieu.ville", "description": "texte"},
            "pagination": {"mode": "page", "page_param": "page"}},
         "politeness": {"download_delay": 0}},
        {"name": "Export inédit", "kind": "csv", "config": {
            "path": str(csv_path),
            "fields": {"liste": "liste", "id": "num", "titre": "nom", "site": "site",
                       "email": "courriel", "code postal": "cp", "ville": "ville",
                       "description": "texte"},
            "key": ["liste", "id"]}},
    ]  # fmt: skip


def harvest(name):
    source = Source.objects.get(name=name)
    if source.kind == "csv":
        return run_source(source)
    proc = manage("harvest", name, "--no-progress")
    run = HarvestRun.objects.filter(source=source).order_by("-pk").first()
    assert run is not None, proc.stderr
    return run


MISSES: list = []


def score(name, recs):
    pages = {p.title: p for p in ProjectPage.objects.filter(sources__source_key=name)}
    right = total = 0
    for r in recs:
        page = pages.get(r["title"])
        checks = [
            page is not None,
            page is not None and page.website.rstrip("/") == r["site"],
            page is not None and page.contact_email == r["email"],
            page is not None and page.postal_code == r["cp"],
            page is not None and page.city == r["city"],
        ]
        right += sum(checks)
        total += len(checks)
        if not all(checks):
            MISSES.append(
                (r, page and (page.website, page.contact_email, page.postal_code, page.city))
            )
    return right / total


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_unseen_partners_by_configuration_only(local_site, openscraper, tmp_path):
    services.ensure_site_tree()
    sets = {"Annuaire inédit": records("Html"), "API inédite": records("Api"),
            "Export inédit": records("Csv")}  # fmt: skip
    html_url = html_site(local_site, sets["Annuaire inédit"])
    api_url = json_site(local_site, sets["API inédite"])
    csv_path = tmp_path / "export.csv"
    csv_file(csv_path, sets["Export inédit"])
    defs = tmp_path / "sources.json"
    defs.write_text(json.dumps(definitions(openscraper, html_url, api_url, csv_path)), "utf-8")
    call_command("import_sources", str(defs))

    for name, recs in sets.items():
        run = harvest(name)
        assert run.created == N, (name, run.message)
        assert score(name, recs) >= 0.95, (name, MISSES[:3])
        page = ProjectPage.objects.get(title=recs[0]["title"])
        text = str(page.description)
        assert recs[0]["paras"][0] in text and recs[0]["paras"][1] in text, (name, text)
        assert str(page.description).count("</p>") == 2, (name, page.description)  # paragraphs

    # Second run: one record of each renamed, nothing else changed.
    for recs in sets.values():
        old = recs[1]["title"]
        address = ProjectPage.objects.get(title=old).url_path
        recs[1]["title"] = old + " (nouveau nom)"
    html_site(local_site, sets["Annuaire inédit"])
    json_site(local_site, sets["API inédite"])
    csv_file(csv_path, sets["Export inédit"])
    for name, recs in sets.items():
        run = harvest(name)
        assert run.created == 0, (name, run.message)
        assert ProjectPage.objects.filter(sources__source_key=name).count() == N
        assert score(name, recs) >= 0.95, name
        renamed = ProjectPage.objects.get(title=recs[1]["title"])
        assert renamed.sources.get().missed_runs == 0
    assert address  # the last source's renamed page kept its address
    assert ProjectPage.objects.get(title=sets["Export inédit"][1]["title"]).url_path == address
