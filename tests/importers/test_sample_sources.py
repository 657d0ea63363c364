"""The declared sample sources (importers/data/sample-sources.json) against the real files, and
the two generic pieces they rely on: CSV fields reading several columns, same-domain matching.

The end-to-end load (runs, counts, merged pairs, idempotence, disabled OpenScraper sources) is
checked once, in test_sample_data.py."""

from __future__ import annotations

import csv
import json

import pytest

from importers.crawl.config import CsvConfig, config_from_dict
from importers.crawl.csvsource import read_csv_file
from importers.crawl.diagnostics import Collector
from importers.dedup import Match, TitleShape, _domain_match, site_identity
from importers.normalise.items import get_normaliser
from importers.sample_sources import definitions, stored_config

from .conftest import SHARED_DATA

TAXONOMY = {e["code"] for e in json.loads((SHARED_DATA / "cis-taxonomy.json").read_text("utf-8"))}
DEFS = definitions()
BY_NAME = {d["name"]: d for d in DEFS["sources"]}


def _column_values(path, columns):
    with open(path, encoding="utf-8", newline="") as handle:
        return {v.strip() for row in csv.DictReader(handle) for c in columns if (v := row[c])}


def test_declared_rules_use_real_codes_and_cover_every_typology():
    for definition in DEFS["sources"]:
        for tag, codes in (definition.get("tag_mappings") or {}).items():
            assert codes and set(codes) <= TAXONOMY, (definition["name"], tag, codes)
    ping = BY_NAME["PiNG tiers-lieux"]
    labels = _column_values(
        SHARED_DATA / "ping-tiers-lieux-pdl.csv", ping["config"]["fields"]["tags"]
    )
    assert labels == set(ping["tag_mappings"])  # the four typology labels, each mapped
    cget = BY_NAME["CGET tiers-lieux 2019"]
    labels = _column_values(SHARED_DATA / "cget-tiers-lieux-2019.csv", ["TYPO"])
    assert labels == set(cget["tag_mappings"])  # coworking, fablab (49 rows say nothing)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_declared_configurations_are_valid(name):
    definition = BY_NAME[name]
    data = {**stored_config(definition, SHARED_DATA), "kind": definition["kind"], "name": name}
    config = config_from_dict(data)
    assert config.validate() == []
    assert (SHARED_DATA / definition["config"]["path"]).exists()


def test_a_field_reads_several_columns_in_order():
    ping = BY_NAME["PiNG tiers-lieux"]
    config = config_from_dict({**stored_config(ping, SHARED_DATA), "kind": "csv", "name": "PiNG"})
    collector = Collector()
    items = list(read_csv_file(config, collector))
    assert len(items) == 124 and not collector.errors
    by_id = {item["fields"]["id"][0]: item for item in items}
    # TYPOLOGIE "T-O-D-C": four labels from four columns, in the columns' order.
    full = next(i for i in items if len(i["fields"].get("tags", [])) == 4)
    assert full["fields"]["tags"] == [
        "Renouveler le travail",
        "Découvrir collectivement",
        "Repenser sa consommation",
        "Œuvrer ensemble",
    ]
    record = get_normaliser("generic").feed(by_id["pingcarto1_"])[0].record
    assert (record.source_id, record.title) == ("pingcarto1_", "La Chapelle Coworking")
    assert record.raw_tags == ["Renouveler le travail"]
    # The postal code and commune come from the address as typed, the point from the file.
    assert (record.postal_code, record.city) == ("44000", "Nantes")
    assert record.latitude == pytest.approx(47.228354)
    assert record.description.startswith("L’espace a vocation")


def test_a_column_list_is_checked():
    bad = CsvConfig(name="x", path="/tmp/x.csv", fields={"tags": ["T_", 3], "titre": ""})
    problems = bad.validate()
    assert any("« tags »" in p for p in problems) and any("« titre »" in p for p in problems)
    assert CsvConfig(name="x", path="/tmp/x.csv", fields={"tags": ["T_", "D_"]}).validate() == []


def _match(title_a, title_b, insee_a, insee_b, url_a, url_b) -> Match | None:
    return _domain_match(
        1,
        TitleShape(title_a),
        TitleShape(title_b),
        insee_a,
        insee_b,
        site_identity(url_a),
        site_identity(url_b),
    )


def test_same_domain_is_a_sign_only_for_the_same_site_and_place():
    # The same site (one of them the home page), same commune: sure.
    same = _match(
        "Weforge Angers", "We Forge Angers", "49007", "49007",
        "http://www.weforge.fr/", "https://weforge.fr",
    )  # fmt: skip
    assert same is not None and same.sure
    # A network's branch in another commune (real pair of the two tiers-lieux files): nothing.
    assert (
        _match(
            "La Cordée à Morez",
            "La Cordée Nantes - Fouré",
            "39368",
            "44109",
            "www.la-cordee.net",
            "http://www.la-cordee.net/cordee/nantes/foure",
        )  # fmt: skip
        is None
    )
    # Two pages of a city portal, one record without commune: nothing.
    assert (
        _match(
            "La Maison des Projets",
            "Le permis citoyen : ça roule pour les jeunes Angevins !",
            "49007",
            "",
            "http://www.angers.fr/vie-pratique/economie-emploi/espace-de-coworking-angers/",
            "http://www.angers.fr/vie-pratique/le-ccas/index.html",
        )  # fmt: skip
        is None
    )
    # Other subdomains of a platform are other sites; the same name there is only doubtful.
    doubt = _match(
        "Centre social l'Atelier", "Centre social l'Atelier", "", "",
        "https://latelier.centres-sociaux.fr/", "https://alleeverte.centres-sociaux.fr",
    )  # fmt: skip
    assert doubt is not None and not doubt.sure
