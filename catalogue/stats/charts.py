"""Geometry of the server-rendered SVG charts (the templates draw them and the tables).

Horizontal bar charts (labels on the left, values after the bars) and a proportional-symbol
map of departments: one circle per department at its chef-lieu (from the offline gazetteer), over
the departments' outlines (the maps' base layer, `basemap`), overseas departments in a row of
insets. No JavaScript, no chart library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import Series, basemap

BAR_WIDTH = 660
LABEL_WIDTH = 240
VALUE_WIDTH = 60
ROW_HEIGHT = 28
BAR_HEIGHT = 20
MAX_BARS = 20
LABEL_CHARS = 30


@dataclass
class Bar:
    label: str
    short_label: str
    value: int
    y: float
    width: float
    text_y: float
    value_x: float


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(series: Series, limit: int = MAX_BARS) -> dict:
    rows = series.rows
    if series.name != "annee":
        rows = rows[:limit]
    peak = max((n for _v, _l, n in rows), default=0) or 1
    area = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for i, (_value, label, n) in enumerate(rows):
        y = i * ROW_HEIGHT + 4
        width = max(1.0, area * n / peak) if n else 0
        bars.append(
            Bar(
                label=label,
                short_label=_short(label),
                value=n,
                y=y,
                width=round(width, 1),
                text_y=y + BAR_HEIGHT / 2 + 4,
                value_x=round(LABEL_WIDTH + width + 6, 1),
            )
        )
    height = len(bars) * ROW_HEIGHT + 8
    shown = len(rows) < len(series.rows)
    return {
        "width": BAR_WIDTH,
        "height": max(height, 40),
        "label_x": LABEL_WIDTH - 8,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "bars": bars,
        "truncated": shown,
        "limit": limit,
    }


# --- department map --------------------------------------------------------------------------
MAP_WIDTH = 560
MAP_HEIGHT = 600
METRO_BOX = (-5.3, 41.3, 9.7, 51.2)  # west, south, east, north (mainland France and Corsica)
COS = math.cos(math.radians(46.5))
OVERSEAS = ("971", "972", "973", "974", "976")
MAX_RADIUS = 26
MIN_RADIUS = 2.5
INSET_TOP = 540


def _project(lat: float, lng: float) -> tuple[float, float]:
    west, south, east, north = METRO_BOX
    scale = min((MAP_WIDTH - 20) / ((east - west) * COS), (INSET_TOP - 30) / (north - south))
    x = 10 + (lng - west) * COS * scale
    y = 10 + (north - lat) * scale
    return round(x, 1), round(y, 1)


def department_map(series: Series) -> dict:
    """Circles sized by count (area proportional) at each department's chef-lieu."""
    from ..geography import DEPARTMENTS, commune_by_insee

    counts = {value: n for value, _label, n in series.rows}
    peak = max(counts.values(), default=0) or 1
    circles = []
    insets = []
    for code, dept in sorted(DEPARTMENTS.items()):
        n = counts.get(code, 0)
        radius = MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(n / peak) if n else 0
        item = {"code": code, "name": dept.name, "count": n, "r": round(radius, 1)}
        if code in OVERSEAS:
            insets.append(item)
            continue
        commune = commune_by_insee(dept.chef_lieu_insee)
        if commune is None or not commune.has_centre:
            continue
        item["x"], item["y"] = _project(commune.lat, commune.lon)
        circles.append(item)
    # Overseas: a row of labelled boxes along the bottom.
    box = 64
    shapes = basemap.load_departments()
    for i, item in enumerate(insets):
        item["box_x"] = 10 + i * (box + 12)
        item["box_y"] = INSET_TOP
        item["box"] = box
        item["x"] = item["box_x"] + box / 2
        item["y"] = INSET_TOP + box / 2 - 6
        item["label_y"] = INSET_TOP + box - 6
        if item["code"] in shapes:
            fit = basemap.fit_box(shapes[item["code"]], item["box_x"] + 6, INSET_TOP + 4, 52, 42)
            item["outline"] = basemap.svg_path(shapes[item["code"]], fit, min_step=0.5)
    # Big circles first, so small ones stay visible on top.
    circles.sort(key=lambda c: -c["r"])
    overseas = set(OVERSEAS)
    outlines = [
        {"code": code, "d": basemap.svg_path(polygons, _project)}
        for code, polygons in sorted(shapes.items())
        if code not in overseas
    ]
    return {
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT + 10,
        "outlines": outlines,
        "circles": circles,
        "insets": insets,
        "legend": [
            {
                "count": v,
                "r": round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(v / peak), 1),
            }
            for v in sorted({peak, max(1, peak // 4)}, reverse=True)
            if peak > 0 and counts
        ],
    }
