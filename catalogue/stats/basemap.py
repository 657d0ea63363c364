"""Department outlines for the statistics map, from the maps' base layer (one file for both).

bin/assets.sh builds `vendor/basemap/france-departements.geojson` (see bin/basemap.mjs for its
source and licence); Leaflet maps fetch it, and this module projects it into SVG paths once per
file version. Without the file (assets not built) the map keeps its circles alone.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from functools import lru_cache

logger = logging.getLogger(__name__)

BASEMAP = "vendor/basemap/france-departements.geojson"
Projection = Callable[[float, float], tuple[float, float]]


def basemap_path() -> str | None:
    """Where the built base layer is (static source folders, else the collected files)."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    found = finders.find(BASEMAP)
    if found:
        return found
    try:
        path = staticfiles_storage.path(BASEMAP)
    except NotImplementedError:  # remote storage: no local file to read
        return None
    return path if os.path.exists(path) else None


def load_departments() -> dict[str, list]:
    """INSEE department code -> list of polygons (lists of rings of (lng, lat))."""
    path = basemap_path()
    if path is None:
        logger.warning("Base layer %s not built (run bin/assets.sh): map without outlines", BASEMAP)
        return {}
    return _read(path, os.path.getmtime(path))


@lru_cache(maxsize=2)
def _read(path: str, _mtime: float) -> dict[str, list]:
    with open(path, encoding="utf-8") as handle:
        collection = json.load(handle)
    shapes: dict[str, list] = {}
    for feature in collection.get("features", []):
        geometry = feature.get("geometry") or {}
        code = (feature.get("properties") or {}).get("code")
        if not code or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["coordinates"]
        shapes[code] = [polygons] if geometry["type"] == "Polygon" else polygons
    return shapes


def bounds(polygons) -> tuple[float, float, float, float]:
    """(west, south, east, north) of polygons."""
    xs = [x for polygon in polygons for ring in polygon for x, _y in ring]
    ys = [y for polygon in polygons for ring in polygon for _x, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def fit_box(polygons, left: float, top: float, width: float, height: float) -> Projection:
    """A projection drawing `polygons` as large as fits the box, centred (overseas insets)."""
    west, south, east, north = bounds(polygons)
    span_x, span_y = max(east - west, 1e-9), max(north - south, 1e-9)
    scale = min(width / span_x, height / span_y)
    dx = left + (width - span_x * scale) / 2
    dy = top + (height - span_y * scale) / 2

    def project(lat: float, lng: float) -> tuple[float, float]:
        return dx + (lng - west) * scale, dy + (north - lat) * scale

    return project


def svg_path(polygons, project: Projection, min_step: float = 1.2) -> str:
    """SVG path data, points closer than `min_step` pixels to the last one dropped."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = []
            last = None
            for lng, lat in ring:
                x, y = project(lat, lng)
                if last and abs(x - last[0]) < min_step and abs(y - last[1]) < min_step:
                    continue
                points.append(f"{x:.1f} {y:.1f}")
                last = (x, y)
            if len(points) >= 3:
                parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)
