"""The offline gazetteer against real rows of communes.csv and ffe-laureates.csv."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

import pytest

from catalogue import geography as geo
from catalogue.geography.departments import (
    DEPARTMENTS,
    REGIONS,
    department_code_for_insee,
    department_code_for_postal_code,
    region_code_for_name,
)

SHARED = Path(
    os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data")
)


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Saint-Brieuc", "ST BRIEUC"),
        ("ST BRIEUC", "ST BRIEUC"),
        ("  sainte-anne-d'auray ", "STE ANNE D AURAY"),
        ("L’Haÿ-les-Roses", "L HAY LES ROSES"),
        ("Châlons-en-Champagne", "CHALONS EN CHAMPAGNE"),
        ("Œuilly", "OEUILLY"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_name(raw, key):
    assert geo.normalise_name(raw) == key


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("ST BRIEUC", "Saint-Brieuc"),
        ("PONT D AIN", "Pont-d'Ain"),
        ("LE HAVRE", "Le Havre"),
        ("LES SABLES D OLONNE", "Les Sables-d'Olonne"),
        ("L ISLE ADAM", "L'Isle-Adam"),
        ("AIX EN PROVENCE", "Aix-en-Provence"),
        ("ST LO", "Saint-Lo"),
        ("PARIS 01", "Paris 1er arrondissement"),
        ("MARSEILLE 13", "Marseille 13e arrondissement"),
    ],
)
def test_display_name(label, shown):
    assert geo.display_name(label) == shown


def test_normalise_postal_code():
    assert geo.normalise_postal_code("8000") == "08000"
    assert geo.normalise_postal_code("29 200") == "29200"
    assert geo.normalise_postal_code(1100) == "01100"
    assert geo.normalise_postal_code("ABCDE") == ""
    assert geo.normalise_postal_code("123") == ""


# --- departments -------------------------------------------------------------------------------


def test_department_table_is_complete():
    metropolitan = [c for c in DEPARTMENTS if len(c) == 2]
    assert len(metropolitan) == 96  # 01-95 without 20, plus 2A and 2B
    assert {"971", "972", "973", "974", "976"} <= set(DEPARTMENTS)
    regions_used = {d.region_code for d in DEPARTMENTS.values() if d.region_code}
    assert regions_used == set(REGIONS)
    assert len(REGIONS) == 18
    assert DEPARTMENTS["22"].name == "Côtes-d'Armor"
    assert DEPARTMENTS["69"].region_name == "Auvergne-Rhône-Alpes"
    assert DEPARTMENTS["28"].region_name == "Centre-Val de Loire"
    assert DEPARTMENTS["06"].region_name == "Provence-Alpes-Côte d'Azur"


def test_every_chef_lieu_is_a_commune_of_its_department():
    for dep in DEPARTMENTS.values():
        commune = geo.commune_by_insee(dep.chef_lieu_insee)
        assert commune is not None, dep
        assert commune.department_code == dep.code


def test_department_codes():
    assert department_code_for_insee("2A004") == "2A"
    assert department_code_for_insee("2B033") == "2B"
    assert department_code_for_insee("97411") == "974"
    assert department_code_for_insee("99138") == ""  # Monaco
    assert department_code_for_postal_code("20000") == "2A"
    assert department_code_for_postal_code("20167") == "2A"
    assert department_code_for_postal_code("20200") == "2B"
    assert department_code_for_postal_code("20600") == "2B"
    assert department_code_for_postal_code("97400") == "974"
    assert department_code_for_postal_code("75000") == "75"
    assert region_code_for_name("ile-de-france") == "11"
    assert region_code_for_name("Provence-Alpes-Cote d'Azur") == "93"
    assert region_code_for_name("Franche-Comt") == ""


def test_corsican_postal_codes_agree_with_the_gazetteer():
    """Every 20xxx postal code maps to the department of (most of) its communes."""
    t = geo._table()
    for cp in (c for c in t.by_postal if c.startswith("20")):
        deps = {geo.department_code_for_insee(t.insee[i]) for i in t.by_postal[cp]}
        assert department_code_for_postal_code(cp) in deps, cp


# --- look-ups ----------------------------------------------------------------------------------


def test_communes_for_postal_code_lists_shared_codes():
    communes = geo.communes_for_postal_code("28700")
    assert len(communes) > 1
    assert all(c.postal_code == "28700" for c in communes)
    assert all(c.department_code == "28" for c in communes)
    assert geo.communes_for_postal_code("75000") == []
    assert geo.communes_for_postal_code("1100")[0].postal_code == "01100"


def test_commune_by_insee_and_municipal_codes():
    brieuc = geo.commune_by_insee("22278")
    assert brieuc.name == "Saint-Brieuc"
    assert brieuc.region_name == "Bretagne"
    assert brieuc.department_name == "Côtes-d'Armor"
    paris = geo.commune_by_insee("75056")
    assert paris.name == "Paris" and paris.postal_code == "75001"
    assert geo.distance_km((paris.lat, paris.lon), (48.8566, 2.3522)) < 1
    assert len(paris.postal_codes) == 21  # 75001-75020 and 75116
    assert geo.commune_by_insee("69123").department_name == "Rhône"
    assert geo.commune_by_insee("13055").region_name == "Provence-Alpes-Côte d'Azur"
    assert geo.commune_by_insee("75112").name == "Paris 12e arrondissement"
    assert geo.commune_by_insee("00000") is None


def test_find_commune_by_name_and_postal_code():
    assert geo.find_commune("22000", "Saint-Brieuc").insee_code == "22278"
    assert geo.find_commune(city="st-brieuc").insee_code == "22278"
    assert geo.find_commune(city="SAINT BRIEUC").insee_code == "22278"
    # The name picks among the communes sharing a postal code.
    shared = geo.communes_for_postal_code("28700")
    other = shared[-1]
    assert geo.find_commune("28700", other.name).insee_code == other.insee_code
    # A postal code alone still gives one commune of that code.
    assert geo.find_commune("28700").postal_code == "28700"
    assert geo.find_commune("20000").insee_code == "2A004"  # Ajaccio
    assert geo.find_commune(city="Nowhere-sur-Rien") is None
    assert geo.find_commune() is None


def test_distance_km():
    paris, lyon = (48.8566, 2.3522), (45.7640, 4.8357)
    assert 390 < geo.distance_km(paris, lyon) < 395
    assert geo.distance_km(paris, paris) == 0


def test_nearest_commune_matches_a_linear_scan():
    t = geo._table()
    rng = random.Random(7)
    for _ in range(40):
        lat, lon = rng.uniform(42.5, 50.5), rng.uniform(-4.0, 7.5)
        expected = min(
            (i for rows in t.by_insee.values() for i in rows[:1] if t.lat[i] == t.lat[i]),
            key=lambda i: geo.distance_km((lat, lon), (t.lat[i], t.lon[i])),
        )
        got = geo.nearest_commune(lat, lon)
        assert got.insee_code == t.insee[expected]


def test_nearest_commune_places_arrondissements_and_respects_max_km():
    assert geo.nearest_commune(48.8420, 2.3442).insee_code == "75105"  # Panthéon, 5e
    assert geo.nearest_commune(36.8065, 10.1815, max_km=30) is None  # Tunis
    assert geo.nearest_commune(-21.1151, 55.5364).department_code == "974"


def test_autocomplete():
    names = [c.name for c in geo.autocomplete("saint-bri", limit=30)]
    assert names[:2] == ["Saint-Briac-sur-Mer", "Saint-Brice"]  # alphabetical
    assert "Saint-Brieuc" in names
    assert geo.autocomplete("saint brieuc")[0].name == "Saint-Brieuc"  # exact match first
    assert all(geo.normalise_name(n).startswith("ST BRI") for n in names)
    first = geo.autocomplete("paris", limit=3)
    assert [c.insee_code for c in first][0] == "75056"
    assert len(first) == 3
    ajaccio = geo.autocomplete("AJACCIO")
    assert ajaccio[0].insee_code == "2A004" and "20090" in ajaccio[0].postal_codes
    inseees = [c.insee_code for c in geo.autocomplete("val", limit=50)]
    assert len(inseees) == len(set(inseees)) == 50
    assert any(c.name.startswith("Saint") for c in geo.autocomplete("Sain", limit=50))
    assert geo.autocomplete("") == []


# --- the geolocation policy --------------------------------------------------------------------


def _ffe_rows():
    with open(SHARED / "ffe-laureates.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_la_cravate_solidaire_point_in_paris_is_corrected():
    row = _ffe_rows()[0]
    assert row["Nom du projet "] == "La Cravate Solidaire"
    result = geo.locate(row["Code postal "], None, row["lat"], row["long"])
    assert result.status == geo.STATUS_CORRECTED
    assert result.note == geo.NOTE_CORRECTED
    assert result.commune.postal_code == "28700"
    assert (result.lat, result.lon) == (result.commune.lat, result.commune.lon)
    assert geo.distance_km((result.lat, result.lon), (48.830245, 2.3646353)) > 30


def test_consistent_coordinates_are_kept():
    result = geo.locate("75012", None, "48.8396", "2.3876")
    assert result.status == geo.STATUS_OK
    assert (result.lat, result.lon) == (48.8396, 2.3876)
    assert result.commune.insee_code == "75112"
    assert result.note == ""


def test_ffe_file_statuses():
    """74 rows contradict their postal code (data README); each is corrected, none kept."""
    counts: dict[str, int] = {}
    for row in _ffe_rows():
        result = geo.locate(row["Code postal "].strip(), None, row["lat"], row["long"])
        counts[result.status] = counts.get(result.status, 0) + 1
        assert result.status != geo.STATUS_MISSING
    assert counts[geo.STATUS_CORRECTED] == 74
    assert counts[geo.STATUS_APPROXIMATE] == 2  # 75000 and 67003


def test_nonexistent_postal_codes():
    paris = geo.locate("75000")
    assert paris.status == geo.STATUS_APPROXIMATE
    assert paris.commune.insee_code == "75056"
    assert "75000" in paris.note
    strasbourg = geo.locate("67003")
    assert strasbourg.commune.insee_code == "67482"
    assert strasbourg.status == geo.STATUS_APPROXIMATE
    # With coordinates inside the department, they place the record instead.
    near = geo.locate("75000", None, 48.8422951, 2.3442717)
    assert near.commune.department_code == "75" and near.lat == 48.8422951
    # With a city that exists in the department, the city wins.
    named = geo.locate("67003", "Strasbourg")
    assert named.commune.insee_code == "67482"
    assert "retrouvée par son nom" in named.note
    # A department with no commune at all in the prefix: nothing to guess.
    assert geo.locate("00000").status == geo.STATUS_MISSING


def test_coordinates_only():
    placed = geo.locate(lat=48.11, lon=-1.68)  # Rennes
    assert placed.status == geo.STATUS_OK
    assert placed.commune.department_code == "35"
    abroad = geo.locate(lat=18.54, lon=-72.34)  # Port-au-Prince
    assert abroad.status == geo.STATUS_OUTSIDE
    assert abroad.commune is None and abroad.lat == 18.54
    assert abroad.note


def test_city_only_and_nothing():
    brieuc = geo.locate(city="Saint-Brieuc")
    assert brieuc.status == geo.STATUS_GEOCODED
    assert brieuc.commune.insee_code == "22278"
    assert geo.locate().status == geo.STATUS_MISSING
    assert geo.locate("", "", "", "").status == geo.STATUS_MISSING
    assert geo.locate(lat="abc", lon="2").status == geo.STATUS_MISSING


def test_corsica_and_overseas():
    bastia = geo.locate("20200", "Bastia")
    assert bastia.commune.department_code == "2B"
    assert bastia.commune.region_name == "Corse"
    reunion = geo.locate("97400")
    assert reunion.commune.department_name == "La Réunion"
    assert reunion.status == geo.STATUS_GEOCODED


def test_places_without_coordinates():
    monaco = geo.locate("98000")
    assert monaco.commune.name == "Monaco"
    assert monaco.status == geo.STATUS_UNVERIFIED
    assert monaco.lat is None and monaco.note
    papeete_cp = geo.commune_by_insee("98735").postal_code
    polynesia = geo.locate(papeete_cp)
    assert polynesia.commune.department_name == "Polynésie française"
    assert polynesia.lat is None and polynesia.status == geo.STATUS_UNVERIFIED
    # Given coordinates cannot be checked there: kept, but flagged.
    kept = geo.locate(papeete_cp, None, -17.535, -149.569)
    assert kept.status == geo.STATUS_UNVERIFIED and kept.lat == -17.535


def test_table_is_loaded_once():
    assert geo._table() is geo._table()
    assert len(geo._table().insee) == 35_599
    assert len(geo._table().by_insee) == 35_100
