"""The two CSV readers against the real files of shared/data."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import pytest

from catalogue import geography
from importers.normalise import csv_sources
from importers.normalise.clean import fold, split_tags
from importers.normalise.csv_sources import (
    APRILES_FIELDS,
    align_apriles_values,
    apriles_region,
    apriles_tag_mapping,
    apriles_vocabulary,
    parse_contact_sheet,
    read_apriles_export,
    read_ffe_laureates,
)

SHARED = Path(
    os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)
FFE = SHARED / "ffe-laureates.csv"
APRILES = SHARED / "apriles-export.csv"
EXPECTED = SHARED / "mock-apriles" / "EXPECTED.json"
TAXONOMY = {e["code"] for e in json.loads((SHARED / "cis-taxonomy.json").read_text("utf-8"))}

FORBIDDEN = {"null", "nr", "n/r", "default", "none", "xxx"}


@pytest.fixture(scope="module")
def ffe():
    return list(read_ffe_laureates(FFE))


@pytest.fixture(scope="module")
def apriles():
    return list(read_apriles_export(APRILES))


def _strings(record) -> list[str]:
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(asdict(record))
    return out


def _no_placeholder(records):
    for record in records:
        for value in _strings(record):
            assert value.strip().casefold() not in FORBIDDEN, (record.title, value)
            assert value == value.strip(), (record.title, value)
            assert "post=XXX" not in value


# --- FFE ---------------------------------------------------------------------------------------


def test_ffe_groups_303_rows_into_150_projects(ffe):
    assert len(ffe) == 150
    assert len({r.source_id for r in ffe}) == 150
    assert len({r.source_url for r in ffe}) == 150
    assert all(r.title and r.source_id for r in ffe)
    assert all(r.source_url.startswith("https://fondationlafrancesengage.org/#") for r in ffe)


def test_ffe_is_a_generator():
    stream = read_ffe_laureates(FFE)
    assert next(stream).title == "La Cravate Solidaire"


def test_ffe_no_placeholder_survives(ffe):
    _no_placeholder(ffe)
    assert not any(r.image_url for r in ffe)  # "default" everywhere
    assert not any(r.address for r in ffe)  # "NR " everywhere
    # "http://twitter.com" (a bare site root) is not a profile.
    assert all(r.social_links.get("twitter") != "http://twitter.com" for r in ffe)


def test_ffe_la_cravate_solidaire(ffe):
    cravate = ffe[0]
    assert cravate.title == "La Cravate Solidaire"
    assert cravate.source_id == "22ae7458-3f1e-52fe-9982-6b1287bf30d2"
    # Postal code 28700 with a point in Paris: corrected to a commune of 28700.
    assert cravate.postal_code == "28700"
    commune = geography.commune_by_insee(cravate.insee_code)
    assert "28700" in commune.postal_codes
    assert (cravate.latitude, cravate.longitude) == (commune.lat, commune.lon)
    assert cravate.location_note == geography.NOTE_CORRECTED
    assert cravate.contact_email == ""  # "null"
    assert cravate.social_links["facebook"] == "https://www.facebook.com/lacravatesolidaire/"
    assert [(d.name, d.year) for d in cravate.distinctions] == [
        ("Lauréat La France s'engage", 2014)
    ]
    assert cravate.codes == ["EMP", "COH", "INS", "DRO"]
    assert cravate.raw_tags[:5] == ["EMP", "SOL", "ACE", "GRA", "LUT"]
    assert "10- Réduction des inégalités" in cravate.raw_tags
    assert "Accès à l’emploi" in cravate.tags
    # Its other locations are listed at the end of the description.
    assert "Autres implantations : " in cravate.description
    assert "Pau (64)" in cravate.description


def test_ffe_every_located_project_is_consistent(ffe):
    located = [r for r in ffe if r.latitude is not None]
    assert len(located) >= 140
    for record in located:
        if record.postal_code and record.insee_code:
            commune = geography.commune_by_insee(record.insee_code)
            assert commune.has_centre
            near = geography.distance_km(
                (record.latitude, record.longitude), (commune.lat, commune.lon)
            )
            assert near <= geography.CONSISTENCY_KM, record.title
    corrected = [r for r in ffe if r.location_note == geography.NOTE_CORRECTED]
    assert 20 <= len(corrected) <= 74


def test_ffe_lf_inside_quoted_description(ffe):
    carton = next(r for r in ffe if r.structure_name == "Carton plein 75")
    assert "\n- La collecte et réemploi de cartons usagés\n- Le déménagement à vélo" in (
        carton.description
    )
    assert "\n" not in carton.summary


def test_ffe_years_and_codes(ffe):
    years = [r.distinctions[0].year for r in ffe]
    assert set(years) <= {2014, 2015, 2016, 2017, 2018, None}
    assert years.count(None) >= 1  # "Date du CA" and empty cells
    for record in ffe:
        # Only a project without any FFE code in the file (CRAMS) has no CIS code.
        assert record.codes or not record.raw_tags, record.title
        assert set(record.codes) <= TAXONOMY
    assert sum(1 for r in ffe if not r.codes) == 1
    nightline = next(r for r in ffe if r.title == "Nightline France")
    assert nightline.source_id == "cis-150"  # no partner id in the file
    # "Egalité des chances" carries the shifted code INN in the file: mapped by its label.
    energie = next(r for r in ffe if r.structure_name == "Energie Jeunes")
    assert "DRO" in energie.codes and "INN" in energie.raw_tags


def test_ffe_mapping_table_covers_the_referentiel():
    themes, by_label, by_code = csv_sources.ffe_mapping()
    ref = (SHARED / "ffe-referentiel-thematiques.csv").read_text("utf-8").splitlines()[1:]
    for line in ref:
        _theme, theme_code, sub_theme, sub_code = line.split(",")
        assert theme_code in themes
        assert fold(sub_theme) in by_label and sub_code in by_code
    for cis in [*themes.values(), *by_label.values()]:
        assert cis and set(cis) <= TAXONOMY


def test_ffe_nonexistent_postal_codes_are_flagged(ffe):
    flagged = [r for r in ffe if "inexistant" in r.location_note]
    assert flagged
    assert all(r.insee_code for r in flagged)


# --- Apriles -----------------------------------------------------------------------------------


def test_apriles_reads_180_records(apriles):
    assert len(apriles) == 180
    assert len({r.source_id for r in apriles}) == 180
    assert all(r.source_id.isdigit() for r in apriles)
    assert all("sobi2Id=" + r.source_id in r.source_url for r in apriles)
    assert all(r.title for r in apriles)
    _no_placeholder(apriles)


def _expected_by_record() -> dict[int, dict]:
    items = json.loads(EXPECTED.read_text("utf-8"))["items"]
    return {item["source"]["export_record"]: item for item in items.values()}


def _norm(value: str) -> str:
    return " ".join(value.split())


def test_apriles_alignment_matches_expected_on_every_record():
    """Each ragged row is aligned as EXPECTED.json says, for every field it is sure of.

    The mock pages blank some images and regions on purpose, and EXPECTED leaves out values
    whose column was uncertain (partenaires vs données économiques): those are skipped.
    """
    expected = _expected_by_record()
    lines = APRILES.read_text("utf-8").split("\n")[1:]
    checked = 0
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        aligned = align_apriles_values(line.split("|")[3:])
        item = expected[number]
        fields, left_out = item["fields"], set(item.get("left_out", {}))
        for name in ("titre du projet", "structure porteuse", "adresse du projet", "tags"):
            want = fields.get(name)
            if not want:
                continue
            got = _norm(aligned.get(name, ""))
            if name == "tags":
                assert set(split_tags(got, apriles_vocabulary())) == set(want), number
            else:
                assert got in want, (number, name, got)
            checked += 1
        for name in ("image du projet",):
            if fields.get(name):
                assert set(aligned[name].split()) == set(fields[name]), number
        if fields.get("website"):
            assert set(aligned["website"].split()) == set(fields["website"]), number
        if fields.get("résumé du projet"):
            assert _norm(aligned["résumé du projet"]) in fields["résumé du projet"], number
        if not left_out and "partenaires du projet" in fields:
            assert _norm(aligned["partenaires du projet"]) in fields["partenaires du projet"]
        if not left_out and "données économiques" in fields:
            assert _norm(aligned["données économiques"]) in fields["données économiques"]
    assert checked > 600


@pytest.mark.parametrize("number", [4, 28, 88, 101, 124, 170, 177, 178])
def test_apriles_short_rows_spot_check(apriles, number):
    """Rows with 9-11 fields (shifted columns), checked against EXPECTED.json."""
    item = _expected_by_record()[number]
    record = apriles[number - 1]
    fields = item["fields"]
    assert record.source_id == item["source"]["sobi2Id"]
    assert record.title == fields["titre du projet"][0]
    assert record.structure_name == fields["structure porteuse"][0]
    assert set(record.raw_tags) == set(fields["tags"])
    if fields.get("image du projet"):
        assert record.image_url in fields["image du projet"]
    if fields.get("résumé du projet"):
        assert record.description.startswith(fields["résumé du projet"][0][:100])


def test_apriles_first_record(apriles):
    first = apriles[0]
    assert first.source_id == "1637"
    assert first.title.startswith("Accompagnement à la parentalité")
    assert first.structure_name == "Centre parental de Migennes - Croix Rouge française"
    assert first.contact_email == "anon-7589a5ac@croix-rouge.fr"
    assert first.website == ""  # the website field held only a mailto link
    assert first.contact_phone == "03 86 92 37 90"
    assert (first.postal_code, first.city, first.insee_code) == ("89400", "Migennes", "89257")
    assert first.latitude is not None
    # The source's joined label stays raw (recoding); the page gets its two keywords.
    assert "Gouvernance, partenariats institutionnels" in first.raw_tags
    assert {"Gouvernance", "Partenariats institutionnels"} <= set(first.tags)
    assert set(first.codes) <= TAXONOMY and "GOU" in first.codes


def test_apriles_contact_sheet_parsing():
    info = parse_contact_sheet(
        "Lien internet: Mail: Tel: 02.98.46.94.81 29 200 Brest Espace Madeleine Porquet."
    )
    assert (info.postal_code, info.city, info.phone) == ("29200", "Brest", "02 98 46 94 81")
    info = parse_contact_sheet("La pépinière Association Tandem 64 000 Pau Tel: 05 59 92 72 24")
    assert (info.postal_code, info.city) == ("64000", "Pau")
    info = parse_contact_sheet("Tel: 01 42 28 82 27 Réseau Môm'artre 75018 Paris 2 rue")
    assert info.postal_code == "75018" and info.city.startswith("Paris")
    assert parse_contact_sheet("Directrice Mail:").postal_code == ""


def test_apriles_geolocation(apriles):
    located = [r for r in apriles if r.insee_code]
    assert len(located) >= 100
    for record in located:
        commune = geography.commune_by_insee(record.insee_code)
        assert record.postal_code in commune.postal_codes
    unlocated = [r for r in apriles if not r.insee_code]
    assert all(r.latitude is None for r in unlocated)
    region_only = [r for r in unlocated if r.location_note.startswith("Région indiquée")]
    assert region_only
    nationwide = [r for r in apriles if r.scale == "national"]
    assert nationwide


def test_apriles_links_are_http_only(apriles):
    # (The malformed "http://http.www.//different-et-competent.org" sits in the held-out part
    # of the harvest; clean_url's repair of it is tested in test_normalise.py.)
    urls = {r.website for r in apriles} | {r.image_url for r in apriles}
    assert len(urls) > 50
    assert all(not u or u.startswith(("http://", "https://")) for u in urls)


def test_apriles_regions():
    assert apriles_region("Franche-Comt") == "Franche-Comté"
    assert apriles_region("ile-de-france") == "Île-de-France"
    assert apriles_region("-France entière") == "-France entière"
    assert apriles_region("Bonjour") == ""


def test_apriles_tag_mapping_covers_the_vocabulary():
    mapping = apriles_tag_mapping()
    assert len(apriles_vocabulary()) == 28
    for label in apriles_vocabulary():
        codes = mapping[fold(label)]
        assert codes and set(codes) <= TAXONOMY
    # The shared ODAS - APRILES entries are part of the mapping.
    assert mapping[fold("Autonomie")] == ["SEN", "HAN", "COH"]


def test_alignment_of_a_synthetic_short_row():
    values = [
        "• Ville de Lyon • CAF",
        "Un long résumé " * 20,
        "Jeunesse Emploi, Formation",
        "http://www.exemple.org",
        "Rhône-Alpes",
        "Un titre",
        "Une structure",
    ]
    aligned = align_apriles_values(values)
    assert aligned["partenaires du projet"] == values[0]
    assert aligned["résumé du projet"] == values[1]
    assert aligned["tags"] == values[2]
    assert aligned["website"] == values[3]
    assert aligned["adresse du projet"] == values[4]
    assert aligned["titre du projet"] == values[5]
    assert aligned["structure porteuse"] == values[6]
    assert set(aligned) <= set(APRILES_FIELDS)
