"""Field transforms declared in a source's configuration, per field, for every kind, and the
text mode of a field: one line, or multi-line text keeping paragraphs and list items
(issue 12)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from importers.admin_views import build_preview
from importers.crawl import transforms as tf
from importers.crawl.config import ConfigError, config_from_dict
from importers.harvest import run_source
from importers.models import Source
from importers.normalise.items import get_normaliser

from .test_admin import admin_client  # noqa: F401


@pytest.mark.parametrize(
    "values, steps, expected",
    [
        (["http\\c//www.a.fr"], [{"replace": ["\\c", ":"]}], ["http://www.a.fr"]),
        (["Fiche n° 42 (2019)", "rien"], [{"regex": r"n° (\d+)"}], ["42"]),
        (["ID-7"], [{"regex": r"\d+"}], ["7"]),
        (["a ; b;;c "], [{"split": ";"}], ["a", "b", "c"]),
        (["Rue", "du Port"], [{"join": " "}], ["Rue du Port"]),
        (["-- x --", "--"], [{"strip": " -"}], ["x"]),
        ([" x "], [{"strip": ""}], ["x"]),
        (["O", "non", "peut-être"], [{"map": {"o": "Oui", "NON": "Non"}}], ["Oui", "Non", "peut-être"]),
        ([], [{"default": "France"}], ["France"]),
        (["x"], [{"default": "France"}], ["x"]),
        (["03/02/2019", "2019", "hier"], [{"date": ["%d/%m/%Y", "%Y"]}], ["2019-02-03", "2019-01-01", "hier"]),
        (["45,75", "1 234,5", "n/a"], [{"number": {"decimal": ",", "thousands": " "}}], ["45.75", "1234.5", "n/a"]),
        (["-1,5"], [{"number": ","}], ["-1.5"]),
        (["A|B", "C"], [{"join": "|"}, {"split": "|"}, {"map": {"b": "Bé"}}], ["A", "Bé", "C"]),
    ],
)  # fmt: skip
def test_each_step(values, steps, expected):
    assert tf.apply_steps(values, steps) == expected
    assert tf.problems({"f": steps}, ["f"]) == []


@pytest.mark.parametrize(
    "spec, message",
    [
        ([{"replace": "x"}], "étape 1 : [« ancien », « nouveau »] attendu"),
        ([{"split": ";"}, {"regex": "("}], "étape 2 : expression régulière invalide"),
        ([{"regex": "(a)(b)"}], "une seule paire de parenthèses"),
        ([{"upper": True}], "étape inconnue « upper »"),
        ([{"split": ";", "join": " "}], "une étape est un objet d'une seule clé"),
        ([{"date": "jj/mm/aaaa"}], "format de date sans code %"),
        ([{"number": {"decimal": ",,"}}], "séparateurs d'un caractère"),
        ([{"map": ["a"]}], "un objet {« valeur » : « remplacement »} attendu"),
        ({"text": "paragraphes"}, "« text » vaut « line » (une ligne) ou « multiline »"),
        ({"texte": "line"}, "clés inconnues texte"),
        ("split", "une liste d'étapes ou un objet"),
    ],
)
def test_invalid_transforms_are_clear_messages(spec, message):
    found = tf.problems({"titre": spec}, ["titre"])
    assert len(found) == 1 and found[0].startswith("Transformation du champ « titre » : ")
    assert message in found[0], found


def test_a_transform_names_a_configured_field():
    config = config_from_dict(
        {"kind": "json", "url": "https://api.example.org/", "fields": {"titre": "name"},
         "transforms": {"titer": [{"strip": ""}]}}
    )  # fmt: skip
    assert "Transformation du champ « titer » : ce champ n'est pas configuré." in config.validate()
    csv_all_columns = config_from_dict(
        {
            "kind": "csv",
            "url": "https://a.example.org/x.csv",
            "transforms": {"Nom": [{"strip": ""}]},
        }
    )
    assert csv_all_columns.validate() == []  # every column is a field: any name may be meant


def test_configurations_without_transforms_keep_their_keys():
    data = {"kind": "json", "name": "x", "url": "https://api.example.org/", "fields": {"t": "a"}}
    assert "transforms" not in config_from_dict(data).to_dict()
    with_rules = {**data, "transforms": {"t": [{"strip": ""}]}}
    assert config_from_dict(with_rules).to_dict()["transforms"] == with_rules["transforms"]


@pytest.mark.django_db
def test_invalid_transforms_are_form_errors_in_the_admin(admin_client):  # noqa: F811
    config = {
        "url": "https://api.example.org/projets",
        "fields": {"titre": "name"},
        "transforms": {"titre": [{"regex": "(("}]},
    }
    source = Source(name="API", kind="json", config=config)
    with pytest.raises(ValidationError) as raised:
        source.full_clean()
    assert "étape 1 : expression régulière invalide" in str(raised.value.message_dict["config"])
    data = {
        "name": "API", "kind": "json", "normaliser": "generic", "enabled": "on",
        "schedule": "0 3 * * 1", "download_delay": "1", "concurrency": "2",
        "download_timeout": "30", "obey_robots": "on", "max_pages": "0", "max_items": "0",
        "unlisted_after": "2", "licence": "", "spider_class": "", "mapping_label": "",
        "config": json.dumps(config),
    }  # fmt: skip
    response = admin_client.post(reverse("wagtailsnippets_importers_source:add"), data)
    assert response.status_code == 200
    assert "Transformation du champ « titre » : étape 1 : expression régulière invalide" in (
        response.content.decode()
    )
    assert not Source.objects.exists()
    config["transforms"] = {"titre": [{"strip": " *"}]}
    ok = admin_client.post(
        reverse("wagtailsnippets_importers_source:add"), {**data, "config": json.dumps(config)}
    )
    assert ok.status_code == 302 and Source.objects.get().config["transforms"]


# --- every kind, through the preview (the harvest applies the same function) ---------------

HTML_LIST = """<html><body><ul>
<li class="p"><h2> Jardin  partagé </h2><span class="d">créé le 03/02/2019</span>
  <div class="texte"><p>Un jardin
     ouvert à tous.</p><p>Deux ateliers :</p><ul><li>compost</li><li>semis</li></ul></div>
  <span class="gps">47,2184</span><span class="gps2">-1,5536</span></li>
</ul></body></html>"""
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><item><title>* Jardin partagé *</title>
<link>{base}tr/page.html</link><description>créé le 03/02/2019</description></item></channel></rss>"""
PAGE = """<html><body><h1>* Jardin partagé *</h1><div class="texte"><p>Un jardin.</p><ul>
<li>compost</li><li>semis</li></ul></div><span class="d">créé le 03/02/2019</span></body></html>"""
SITEMAP = """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}tr/page.html</loc></url></urlset>"""
CSV = 'Nom;Date;Texte;Lat\n"* Jardin partagé *";03/02/2019;"Un jardin.\n\n- compost\n- semis";"47,2184"\n'
API = {"results": [{"name": "* Jardin partagé *", "date": "03/02/2019",
                    "text": "Un jardin.\n\nDeux ateliers :\n- compost\n- semis"}]}  # fmt: skip
DATE = {"date de création": [{"regex": r"(\d\d/\d\d/\d{4})"}, {"date": "%d/%m/%Y"}]}
STAR = {"titre": [{"strip": " *"}]}


def kinds(site):
    base = site.url("")
    site.route("tr/list.html", HTML_LIST)
    site.route("tr/page.html", PAGE)
    site.route("tr/feed.xml", FEED.format(base=base), content_type="application/rss+xml")
    site.route("tr/sitemap.xml", SITEMAP.format(base=base), content_type="application/xml")
    site.route("tr/export.csv", CSV, content_type="text/csv; charset=utf-8")
    site.route("tr/api.json", json.dumps(API), content_type="application/json")
    detail = [
        {"name": "titre", "selector": "//h1", "type": "xpath", "on": "detail"},
        {"name": "description", "selector": "//div[@class='texte']", "on": "detail"},
        {"name": "date de création", "selector": "//span[@class='d']", "on": "detail"},
    ]
    return {
        "html": {
            "start_urls": [site.url("tr/list.html")],
            "item_selector": "//li[@class='p']",
            "fields": [
                {"name": "titre", "selector": ".//h2", "on": "list"},
                {"name": "description", "selector": ".//div[@class='texte']", "on": "list"},
                {"name": "date de création", "selector": ".//span[@class='d']", "on": "list"},
                {"name": "latitude", "selector": ".//span[@class='gps']", "on": "list"},
                {"name": "longitude", "selector": ".//span[@class='gps2']", "on": "list"},
            ],
            "transforms": {
                **DATE,
                "latitude": [{"number": ","}],
                "longitude": {"text": "line", "steps": [{"number": ","}]},
            },
        },
        "rss": {
            "feed_urls": [site.url("tr/feed.xml")],
            "follow": True,
            "fields": [{"name": "titre", "selector": "title", "on": "list"}, *detail[1:]],
            "transforms": {**DATE, **STAR},
        },
        "sitemap": {
            "sitemap_urls": [site.url("tr/sitemap.xml")],
            "fields": detail,
            "transforms": {**DATE, **STAR},
        },
        "csv": {
            "url": site.url("tr/export.csv"),
            "fields": {
                "titre": "Nom",
                "date de création": "Date",
                "description": "Texte",
                "latitude": "Lat",
            },
            "transforms": {
                **STAR,
                "date de création": [{"date": "%d/%m/%Y"}],
                "latitude": [{"number": ","}],
            },
        },  # fmt: skip
        "json": {
            "url": site.url("tr/api.json"),
            "items_path": "results",
            "fields": {"titre": "name", "date de création": "date", "description": "text"},
            "transforms": {**STAR, "date de création": [{"date": "%d/%m/%Y"}]},
        },
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["html", "rss", "sitemap", "csv", "json"])
def test_transforms_and_paragraphs_for_every_kind(local_site, kind):
    config = kinds(local_site)[kind]
    source = Source(name=f"Transformations {kind}", kind=kind, config=config)
    assert source.config_problems() == []
    preview = build_preview(source)
    assert not preview["errors"], preview["errors"]
    (item,) = preview["items"]
    (normalised,) = item["normalised"]
    assert not normalised["reason"], normalised
    record = normalised["record"]
    assert record.title == "Jardin partagé"
    assert record.start_year == 2019
    raw = {f["name"]: f for f in item["fields"]}
    assert raw["date de création"]["values"] == ["2019-02-03"]  # after the transforms
    assert any("03/02/2019" in v for v in raw["date de création"]["raw"])  # as extracted
    paragraphs = record.description.split("\n\n")
    assert paragraphs[0].startswith("Un jardin")
    assert "- compost\n- semis" in record.description, record.description
    if kind in ("html", "csv"):
        assert record.latitude == pytest.approx(47.2184)
    if kind == "html":
        assert record.description.startswith("Un jardin ouvert à tous.\n\nDeux ateliers :")
        assert record.longitude == pytest.approx(-1.5536)


def test_a_one_line_field_is_flattened_and_a_multiline_one_keeps_its_lines():
    item = {
        "fields": {"titre": ["Jardin"], "texte": ["Ligne 1\nLigne 2\n\nParagraphe"]},
        "url": "https://a.example.org/1",
        "list_url": "https://a.example.org/",
    }
    config = config_from_dict(
        {"kind": "json", "url": "https://a.example.org/", "fields": {"titre": "t", "texte": "x"}}
    )
    assert config.multiline_fields() == {"texte"}  # "texte" feeds the description
    (outcome,) = get_normaliser("generic").feed(item)
    assert outcome.record.description == "Ligne 1\nLigne 2\n\nParagraphe"
    flat = config_from_dict(
        {"kind": "json", "url": "https://a.example.org/", "fields": {"titre": "t", "texte": "x"},
         "transforms": {"texte": {"text": "line"}, "titre": {"text": "multiline"}}}
    )  # fmt: skip
    assert flat.multiline_fields() == {"titre"}
    with pytest.raises(ConfigError):
        config_from_dict({"kind": "json", "transforms": {}, "colour": 1})


@pytest.mark.django_db
def test_a_harvest_applies_the_transforms(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Nom;Date;Texte\n* Jardin *;03/02/2019;Un jardin.\n\n",
        encoding="utf-8",
    )
    source = Source.objects.create(
        name="Transformé",
        kind="csv",
        config={
            "path": str(path),
            "fields": {"id": "Nom", "titre": "Nom", "date de création": "Date", "description": "Texte"},
            "transforms": {"titre": [{"strip": " *"}], "date de création": [{"date": "%d/%m/%Y"}],
                           "id": [{"replace": ["*", ""]}, {"strip": ""}]},
        },
    )  # fmt: skip
    from catalogue import services
    from catalogue.models import ProjectPage

    services.ensure_site_tree()
    run = run_source(source)
    assert run.created == 1, run.message
    page = ProjectPage.objects.get()
    assert (page.title, page.start_year) == ("Jardin", 2019)
    assert page.sources.get().source_id == "Jardin"
