"""Open-data building blocks without the database: CSV safety, rate parsing, bbox parsing."""

import csv
import io

import pytest

from catalogue.api.csvexport import BOM, csv_lines, neutralise
from catalogue.api.ratelimit import parse_rate
from catalogue.maps import grid


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+33 6 39 98 00 00", "'+33 6 39 98 00 00"),
        ("-fin", "'-fin"),
        ("@import", "'@import"),
        ("\tcaché", "'\tcaché"),
        ("\rretour", "'\rretour"),
        ("Santé = bien-être", "Santé = bien-être"),
        (-4.49, -4.49),
        (12, 12),
        (True, "true"),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_round_trip_keeps_commas_quotes_and_newlines():
    rows = [["a, b", 'il a dit "non"', "ligne 1\nligne 2\r\nligne 3", "=1+1", -1.5]]
    text = "".join(csv_lines(["x", "y", "z", "f", "n"], rows, bom=True))
    assert text.startswith(BOM)
    parsed = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert parsed[0] == ["x", "y", "z", "f", "n"]
    assert parsed[1] == ["a, b", 'il a dit "non"', "ligne 1\nligne 2\r\nligne 3", "'=1+1", "-1.5"]
    assert text.count("\r\n") >= 2  # RFC 4180 line ends


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120/60", (120, 60)),
        ("5", (5, 60)),
        ("0", None),
        ("", None),
        (None, None),
        ((3, 1), (3, 1)),
    ],
)
def test_parse_rate(value, expected):
    assert parse_rate(value) == expected


def test_bbox_parsing_and_cells():
    assert grid.BBox.parse("-5.5,41.2,9.8,51.2") == grid.BBox(-5.5, 41.2, 9.8, 51.2)
    assert grid.BBox.parse("a,b,c,d") is None
    assert grid.BBox.parse("10,10,0,0") is None  # west > east
    assert grid.BBox.parse("-200,-95,200,95") == grid.BBox.WORLD
    assert grid.BBox.parse("nan,0,1,1") is None
    # A cell is about CELL_PX pixels wide at every zoom; cells nest as the zoom grows.
    for zoom in range(grid.CLUSTER_MAX_ZOOM):
        x, y = grid.cell_of(45.76, 4.83, zoom)
        x2, y2 = grid.cell_of(45.76, 4.83, zoom + 1)
        assert x2 // 2 == x and y2 // 2 == y
        west, south, east, north = grid.cell_bounds(x, y, zoom)
        assert west <= 4.83 < east and south <= 45.76 < north
