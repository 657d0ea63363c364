"""Commune names read with the postal code (issue 12): the brief's dirty addresses, one by one,
and which of address and coordinates wins."""

from __future__ import annotations

import pytest

from catalogue import geography as geo
from catalogue.geography import names


@pytest.mark.parametrize(
    ("cp", "city", "insee"),
    [
        ("87140", "ST PARDOUX LE LAC", "87128"),  # one of seven communes of 87140
        ("87140", "Saint-Pardoux-le-Lac", "87128"),
        ("87140", "VAULRY", "87198"),
        ("87250", "Roussac", "87128"),  # former commune of Saint-Pardoux-le-Lac
        ("13001", "MARSEILLE", "13201"),  # arrondissement of the postal code
        ("", "Marseille 1er", "13201"),
        ("", "PARIS XIe arrondissement", "75111"),
        ("75011", "PARIS CEDEX 11", "75111"),
        ("44000", "NANTES CEDEX 1", "44109"),
        ("44042", "NANTES CEDEX 1", "44109"),  # CEDEX code: not in the gazetteer
        ("71100", "CHALON S/ SAONE", "71076"),
        ("13460", "Saintes-Maries-de-la-Mer", "13096"),
        ("01480", "Ars/S Formans", "01021"),
        ("01100", "apremont", "01011"),
    ],
)
def test_name_and_postal_code_resolve_together(cp, city, insee):
    assert geo.locate(cp, city).commune.insee_code == insee


def test_homonyms_without_a_code():
    # Saint-Pierre: the one nearest the coordinates, else the most populous (La Réunion).
    alone = geo.locate(None, "Saint-Pierre")
    assert alone.commune.insee_code == "97416" and alone.note == geo.placement.NOTE_HOMONYM
    martinique = geo.locate(None, "Saint-Pierre", 14.742, -61.175)
    assert martinique.commune.insee_code == "97225" and martinique.status == geo.STATUS_OK


def test_the_address_wins_over_contradicting_coordinates():
    far = geo.locate("87140", "ST PARDOUX LE LAC", 48.85, 2.35)  # Paris
    assert far.commune.insee_code == "87128"
    assert far.status == geo.STATUS_CORRECTED and far.note in geo.CONTRADICTION_NOTES
    assert (far.lat, far.lon) == (far.commune.lat, far.commune.lon)
    near = geo.locate("87140", "ST PARDOUX LE LAC", 46.07, 1.20)
    assert (near.status, near.lat, near.note) == (geo.STATUS_OK, 46.07, "")
    swapped = geo.locate("87140", "ST PARDOUX LE LAC", 1.20, 46.07)
    assert (swapped.lat, swapped.lon, swapped.note) == (46.07, 1.20, geo.placement.NOTE_SWAPPED)


def test_coordinates_choose_when_the_address_does_not():
    # 44800 is Saint-Herblain's code: "Nantes" contradicts it, the point sides with the code.
    herblain = geo.locate("44800", "Nantes", 47.2464, -1.6178)
    assert herblain.commune.insee_code == "44162"
    # A code shared by several communes and no name: the point picks.
    assert geo.locate("87140", None, 46.0276, 1.0838).commune.insee_code == "87198"


def test_parse_city():
    assert names.parse_city("75011 PARIS CEDEX 11") == names.CityName("PARIS", None, True)
    assert names.parse_city("Lyon 3ème") == names.CityName("LYON", 3)
    assert names.parse_city("VILLENEUVE /S LOT").key == "VILLENEUVE SUR LOT"
    assert names.parse_city("Bourg s/s Bois").key == "BOURG SOUS BOIS"
    assert names.parse_city("").key == ""
