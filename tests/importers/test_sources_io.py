"""One source format for every kind: `import_sources FILE` reads a JSON list of source
definitions, `export_sources` writes the same, a round trip changes nothing, an invalid file
imports nothing and exits non-zero (issue 12)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalogue import services
from importers.models import Source, TagMapping
from importers.sample_sources import definitions

from .conftest import SHARED_DATA

#: One definition per kind, each configuration as the admin's field takes it.
KINDS = [
    {
        "name": "Annuaire HTML",
        "kind": "html",
        "config": {
            "start_urls": ["https://annuaire.example.org/liste"],
            "item_selector": "//li[@class='fiche']",
            "next_page_selector": "//a[@rel='next']/@href",
            "follow_selector": ".//a/@href",
            "fields": [
                {"name": "titre", "selector": ".//a/text()", "on": "list"},
                {"name": "description", "selector": "//div[@id='texte']", "on": "detail"},
            ],
        },
    },
    {
        "name": "API JSON",
        "kind": "json",
        "config": {
            "url": "https://api.example.org/projets",
            "items_path": "results",
            "fields": {"titre": "name", "site": "links.website"},
            "url_path": "url",
            "pagination": {"mode": "page", "page_param": "page"},
        },
        "schedule": "15 4 * * 2",
        "politeness": {"download_delay": 2.5, "max_items": 500},
        "licence": "Licence Ouverte 2.0",
        "enabled": False,
    },
    {
        "name": "Export CSV",
        "kind": "csv",
        "config": {"url": "https://data.example.org/export.csv", "fields": {"titre": "Nom"}},
        "mapping_label": "Export CSV",
        "tag_mappings": {"Jardins partagés": ["AGR"]},
    },
    {
        "name": "Plan du site",
        "kind": "sitemap",
        "config": {
            "sitemap_urls": ["https://site.example.org/sitemap.xml"],
            "url_pattern": "/projets/",
            "fields": [{"name": "titre", "selector": "//h1"}],
        },
    },
    {
        "name": "Flux",
        "kind": "rss",
        "config": {
            "feed_urls": ["https://site.example.org/feed"],
            "fields": [{"name": "titre", "selector": "title", "on": "list"}],
        },
    },
]


def write(tmp_path, data, name="sources.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def export(tmp_path, name="export.json") -> list[dict]:
    path = tmp_path / name
    call_command("export_sources", str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def snapshot() -> list[dict]:
    return list(
        Source.objects.order_by("name").values(
            "name", "kind", "partner_id", "normaliser", "config", "mapping_label", "schedule",
            "enabled", "licence", "download_delay", "concurrency", "obey_robots",
            "download_timeout", "max_pages", "max_items", "updated_at",
        )
    )  # fmt: skip


@pytest.mark.django_db
def test_every_kind_imports_exports_and_round_trips(tmp_path, capsys):
    call_command("import_sources", str(write(tmp_path, KINDS)))
    assert "5 créée(s)" in capsys.readouterr().out
    assert sorted(Source.objects.values_list("kind", flat=True)) == sorted(d["kind"] for d in KINDS)
    api = Source.objects.get(name="API JSON")
    assert (api.schedule, api.download_delay, api.max_items, api.enabled, api.licence) == (
        "15 4 * * 2", 2.5, 500, False, "Licence Ouverte 2.0",
    )  # fmt: skip
    assert api.config == KINDS[1]["config"]  # exactly what was given
    assert TagMapping.objects.get(source_label="Export CSV").codes.get().code == "AGR"
    for source in Source.objects.all():
        assert source.config_problems() == [], source.name

    first = export(tmp_path)
    assert {d["name"]: d["config"] for d in first} == {d["name"]: d["config"] for d in KINDS}
    before = snapshot()
    call_command("import_sources", str(tmp_path / "export.json"))
    assert "5 inchangée(s)" in capsys.readouterr().out
    assert snapshot() == before  # not even saved again
    assert export(tmp_path, "again.json") == first

    # An export edited by hand updates the source it names (matched by name, any case).
    html = next(d for d in first if d["kind"] == "html")
    html["name"] = "annuaire html"
    html["config"]["item_selector"] = "//li"
    call_command("import_sources", str(write(tmp_path, first, "edited.json")))
    assert Source.objects.get(name="Annuaire HTML").config["item_selector"] == "//li"
    assert Source.objects.count() == 5


@pytest.mark.django_db
def test_the_sample_sources_round_trip(tmp_path, capsys):
    defs = definitions()
    for entry in defs["sources"]:
        services.upsert_partner(entry["partner"]["name"])
    path = tmp_path / "sample-sources.json"
    path.write_text(json.dumps(defs, ensure_ascii=False), encoding="utf-8")
    # Paths are relative to the shared data folder (no such file beside this copy).
    call_command("import_sources", str(path))
    assert "4 créée(s)" in capsys.readouterr().out
    ping = Source.objects.get(name="PiNG tiers-lieux")
    assert ping.config["path"] == str((SHARED_DATA / "ping-tiers-lieux-pdl.csv").resolve())
    assert ping.partner.title == "PiNG"
    assert ping.mapping_label == "PiNG - tiers-lieux Pays de la Loire"
    assert Source.objects.get(name="La France s'engage").normaliser == "ffe"
    assert TagMapping.objects.filter(source_label=ping.mapping_label).count() == 4
    exported = export(tmp_path)
    before = snapshot()
    call_command("import_sources", str(tmp_path / "export.json"))
    assert "4 inchangée(s)" in capsys.readouterr().out
    assert snapshot() == before
    assert export(tmp_path, "again.json") == exported
    call_command("import_sources", str(path))  # the original file again: nothing moves
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d[1].update(kind="ftp"), "Type de source inconnu « ftp »"),
        (lambda d: d[1]["config"].update(itemspath="x"), "Clés inconnues pour JsonConfig : itemspath"),
        (lambda d: d[2]["config"].pop("url"), "Indiquer soit une URL, soit un fichier CSV"),
        (lambda d: d[0]["config"]["fields"][0].update(selector="//a[")," XPath invalide"),
        (lambda d: d[3].update(schedule="tous les jours"), "Expression cron invalide"),
        (lambda d: d[4].update(partner="Partenaire inconnu"), "aucun partenaire « Partenaire inconnu »"),
        (lambda d: d[4].update(colour="bleu"), "clés inconnues colour"),
        (lambda d: d[4].update(enabled="oui"), "« enabled » doit être true ou false"),
        (lambda d: d[4].pop("config"), "« config » manque"),
        (lambda d: d[1].update(politeness={"delay": 1}), "politesse, clés inconnues delay"),
        (lambda d: d[1].update(politeness={"download_delay": -1}), "download_delay"),
        (lambda d: d.append(dict(d[0], name="ANNUAIRE html")), "même nom que la source n° 1"),
        (lambda d: d[2]["tag_mappings"].update({"x": ["ZZZ"]}), "codes inconnus de la nomenclature : ZZZ"),
    ],
)  # fmt: skip
def test_an_invalid_file_imports_nothing_and_says_why(tmp_path, change, message):
    data = json.loads(json.dumps(KINDS))
    change(data)
    with pytest.raises(CommandError) as raised:
        call_command("import_sources", str(write(tmp_path, data)))
    assert "rien n'a été importé" in str(raised.value)
    assert message in str(raised.value), str(raised.value)
    assert Source.objects.count() == 0
    assert not TagMapping.objects.filter(source_label="Export CSV").exists()


@pytest.mark.django_db
def test_an_invalid_entry_leaves_existing_sources_as_they_were(tmp_path):
    call_command("import_sources", str(write(tmp_path, KINDS)))
    before = snapshot()
    data = json.loads(json.dumps(KINDS))
    data[0]["config"]["item_selector"] = "//ul"  # valid change...
    data[1]["config"]["pagination"]["mode"] = "cursor"  # ...beside an invalid one
    with pytest.raises(CommandError, match="Pagination inconnue « cursor »"):
        call_command("import_sources", str(write(tmp_path, data)))
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, message",
    [
        ('[{"name": ', "JSON invalide ligne 1"),
        ("[]", "Aucune définition de source"),
        ('[{"nom": "x"}]', "clés inconnues nom"),
        ('"texte"', "Format inconnu"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_sources", str(path))
    assert Source.objects.count() == 0


@pytest.mark.django_db
def test_export_of_named_sources_and_unknown_name(tmp_path, capsys):
    call_command("import_sources", str(write(tmp_path, KINDS)))
    capsys.readouterr()
    call_command("export_sources", "--source", "flux")
    assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["Flux"]
    with pytest.raises(CommandError, match="Aucune source « Nulle part »"):
        call_command("export_sources", "--source", "Nulle part")


def mapping_snapshot() -> list[tuple]:
    return sorted(
        (m.source_label, m.tag, m.tag_key, m.origin, tuple(sorted(c.code for c in m.codes.all())))
        for m in TagMapping.objects.prefetch_related("codes")
    )


@pytest.mark.django_db
def test_tag_mappings_are_exported_and_round_trip(tmp_path, capsys):
    """`export_sources` writes each source's keyword rules (an editor's rules and codes
    included); importing the export changes no rule, and into an empty database recreates
    them; a file that gives other codes for a rule updates it, rules it omits stay."""
    call_command("import_sources", str(write(tmp_path, KINDS)))
    csv_rule = TagMapping.objects.get(source_label="Export CSV")
    csv_rule.codes.add(*services_codes("COO"))  # an editor's correction
    TagMapping.objects.create(source_label="Export CSV", tag="Éducation populaire").codes.set(
        services_codes("EDU", "CIT")
    )
    TagMapping.objects.create(source_label="Flux", tag="Sans code")  # a rule to ignore a keyword
    capsys.readouterr()
    first = export(tmp_path)
    by_name = {d["name"]: d for d in first}
    assert by_name["Export CSV"]["tag_mappings"] == {
        "Éducation populaire": ["CIT", "EDU"],
        "Jardins partagés": ["AGR", "COO"],
    }
    assert by_name["Flux"]["tag_mappings"] == {"Sans code": []}
    assert "tag_mappings" not in by_name["API JSON"]  # none: nothing written
    before, rules = snapshot(), mapping_snapshot()
    call_command("import_sources", str(tmp_path / "export.json"))
    assert "5 inchangée(s)" in capsys.readouterr().out
    assert (snapshot(), mapping_snapshot()) == (before, rules)
    assert export(tmp_path, "again.json") == first

    TagMapping.objects.filter(source_label__in=["Export CSV", "Flux"]).delete()
    call_command("import_sources", str(tmp_path / "export.json"))
    assert export(tmp_path, "restored.json") == first

    by_name["Export CSV"]["tag_mappings"] = {"Jardins partagés": ["AGR"]}
    capsys.readouterr()
    call_command("import_sources", str(write(tmp_path, first, "edited.json")))
    assert "1 correspondance(s) de mots-clés modifiée(s)" in capsys.readouterr().out
    rules = {
        m.tag: sorted(c.code for c in m.codes.all())
        for m in TagMapping.objects.filter(source_label="Export CSV")
    }
    assert rules == {"Jardins partagés": ["AGR"], "Éducation populaire": ["CIT", "EDU"]}


def services_codes(*codes):
    from catalogue.models import NomenclatureCode

    return list(NomenclatureCode.objects.filter(code__in=codes))
