"""Server-side clustering for the map: a degree grid per zoom level.

At zoom z a cell is about ``CELL_PX`` screen pixels wide: ``360 * CELL_PX / (256 * 2**z)``
degrees of longitude, and that times cos(46.5°) of latitude (square on screen over mainland
France, where Web Mercator stretches latitudes by about 1/cos). Cell indexes are
``floor((lng + 180) / step_lng)`` and ``floor((lat + 90) / step_lat)``: always non-negative, so
SQLite's native ``CAST(... AS INTEGER)`` (truncation) computes the same cell as Python's
floor, with no slow user-defined function.

Two paths share this grid:
- the unfiltered map reads `MapCell` rows, precomputed for zooms 0..CLUSTER_MAX_ZOOM and kept up
  to date by `refresh_project()` (one edit moves one project between cells) and
  `rebuild_clusters()` (after a harvest);
- a filtered map groups the matching rows in SQL (`grid_clusters`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Avg, Count, F, Min

CELL_PX = 60
LAT_FACTOR = math.cos(math.radians(46.5))
MIN_ZOOM = 0
# From this zoom on, the map shows single points (client-side clustering merges neighbours).
POINTS_ZOOM = 12
CLUSTER_MAX_ZOOM = POINTS_ZOOM - 1
# Below this many projects in view, points are returned whatever the zoom.
SMALL_VIEW = 300


def step_lng(zoom: int) -> float:
    return CELL_PX * 360.0 / (256 * 2**zoom)


def step_lat(zoom: int) -> float:
    return step_lng(zoom) * LAT_FACTOR


def cell_of(lat: float, lng: float, zoom: int) -> tuple[int, int]:
    return int((lng + 180.0) / step_lng(zoom)), int((lat + 90.0) / step_lat(zoom))


def cell_bounds(cx: int, cy: int, zoom: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a cell."""
    sx, sy = step_lng(zoom), step_lat(zoom)
    return cx * sx - 180.0, cy * sy - 90.0, (cx + 1) * sx - 180.0, (cy + 1) * sy - 90.0


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    WORLD = None  # set below

    @classmethod
    def parse(cls, value: str | None) -> BBox | None:
        """``"w,s,e,n"`` in degrees, clamped to the world; None when absent or unreadable."""
        if not value:
            return None
        try:
            w, s, e, n = (float(part) for part in value.split(","))
        except ValueError:
            return None
        if any(math.isnan(v) or math.isinf(v) for v in (w, s, e, n)):
            return None
        w, e = max(-180.0, min(180.0, w)), max(-180.0, min(180.0, e))
        s, n = max(-90.0, min(90.0, s)), max(-90.0, min(90.0, n))
        if w > e or s > n:
            return None
        return cls(w, s, e, n)

    def cell_range(self, zoom: int) -> tuple[int, int, int, int]:
        x0, y0 = cell_of(self.south, self.west, zoom)
        x1, y1 = cell_of(self.north, self.east, zoom)
        return x0, y0, x1, y1


BBox.WORLD = BBox(-180.0, -90.0, 180.0, 90.0)


def clamp_zoom(value, default: int = 6) -> int:
    try:
        zoom = int(value)
    except (TypeError, ValueError):
        return default
    return max(MIN_ZOOM, min(20, zoom))


# ---------------------------------------------------------------------------------------------
# Membership: which projects the unfiltered map shows
# ---------------------------------------------------------------------------------------------
def mapped_projects():
    """Published, public, geolocated projects as (id, lat, lng) rows, unordered.

    Ordering is dropped on purpose: `live()` ordering by path defeats the lat/lng indexes.
    """
    from ..models import ProjectPage

    return (
        ProjectPage.objects.live()
        .public()
        .filter(latitude__isnull=False, longitude__isnull=False)
        .order_by()
        .values_list("pk", "latitude", "longitude")
    )


# ---------------------------------------------------------------------------------------------
# Precomputed cells
# ---------------------------------------------------------------------------------------------
def _cell_sql(column: str, offset: float, step: float) -> str:
    """SQL of a cell index; the same arithmetic as `cell_of` (see the module doc)."""
    expression = f"(({column}) + {float(offset)!r}) / {float(step)!r}"
    if connection.vendor == "sqlite":
        return f"CAST({expression} AS INTEGER)"
    return f"CAST(FLOOR({expression}) AS INTEGER)"


def rebuild_clusters() -> int:
    """Recompute every `MapPoint` and `MapCell` from the pages; returns the number of points.

    All in SQL: one INSERT … SELECT of the mapped projects, then one grouped INSERT … SELECT
    per zoom level (no rows travel through Python: ~1 s at 100,000 projects).
    """
    from ..models import MapCell, MapPoint

    quote = connection.ops.quote_name
    points = quote(MapPoint._meta.db_table)
    cells = quote(MapCell._meta.db_table)
    select, params = mapped_projects().query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        MapCell.objects.all().delete()
        MapPoint.objects.all().delete()
        cursor.execute(f"INSERT INTO {points} (project_id, lat, lng) {select}", params)
        for zoom in range(MIN_ZOOM, CLUSTER_MAX_ZOOM + 1):
            cx = _cell_sql("lng", 180.0, step_lng(zoom))
            cy = _cell_sql("lat", 90.0, step_lat(zoom))
            cursor.execute(
                f"INSERT INTO {cells} (zoom, cx, cy, count, sum_lat, sum_lng, sample_id) "
                f"SELECT {int(zoom)}, {cx}, {cy}, COUNT(*), SUM(lat), SUM(lng), MIN(project_id) "
                f"FROM {points} GROUP BY {cx}, {cy}"
            )
    return MapPoint.objects.count()


def add_new_points(page_ids: list[int]) -> int:
    """Count pages created in bulk (never on the map before) in their cells; returns how many.

    In SQL, inside the caller's transaction (a bulk batch): one INSERT … SELECT of their points,
    then per zoom one grouped INSERT … ON CONFLICT that adds to the cells already there. The
    cells stay exactly what `rebuild_clusters()` would compute, whatever the batch size.
    """
    from ..models import MapCell, MapPoint

    page_ids = [int(pk) for pk in page_ids]
    if not page_ids:
        return 0
    quote = connection.ops.quote_name
    points = quote(MapPoint._meta.db_table)
    cells = quote(MapCell._meta.db_table)
    select, params = mapped_projects().filter(pk__in=page_ids).query.sql_with_params()
    marks = ", ".join(["%s"] * len(page_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {points} (project_id, lat, lng) {select}", params)
        added = cursor.rowcount
        if not added:
            return 0
        for zoom in range(MIN_ZOOM, CLUSTER_MAX_ZOOM + 1):
            cx = _cell_sql("lng", 180.0, step_lng(zoom))
            cy = _cell_sql("lat", 90.0, step_lat(zoom))
            cursor.execute(
                f"INSERT INTO {cells} (zoom, cx, cy, count, sum_lat, sum_lng, sample_id) "
                f"SELECT {int(zoom)}, {cx}, {cy}, COUNT(*), SUM(lat), SUM(lng), MIN(project_id) "
                f"FROM {points} WHERE project_id IN ({marks}) GROUP BY {cx}, {cy} "
                f"ON CONFLICT (zoom, cx, cy) DO UPDATE SET "
                f"count = {cells}.count + excluded.count, "
                f"sum_lat = {cells}.sum_lat + excluded.sum_lat, "
                f"sum_lng = {cells}.sum_lng + excluded.sum_lng, "
                f"sample_id = COALESCE({cells}.sample_id, excluded.sample_id)",
                page_ids,
            )
    return added


def _cells_q(lat: float, lng: float):
    """One Q matching the cells of a point at every precomputed zoom."""
    q = models.Q()
    for zoom in range(MIN_ZOOM, CLUSTER_MAX_ZOOM + 1):
        cx, cy = cell_of(lat, lng, zoom)
        q |= models.Q(zoom=zoom, cx=cx, cy=cy)
    return q


def _add(pk: int, lat: float, lng: float) -> None:
    """Count a point in its cells at every zoom: one UPDATE, one SELECT, one INSERT at most."""
    from ..models import MapCell

    q = _cells_q(lat, lng)
    MapCell.objects.filter(q).update(
        count=F("count") + 1, sum_lat=F("sum_lat") + lat, sum_lng=F("sum_lng") + lng
    )
    present = set(MapCell.objects.filter(q).values_list("zoom", flat=True))
    missing = [
        MapCell(zoom=zoom, cx=cx, cy=cy, count=1, sum_lat=lat, sum_lng=lng, sample_id=pk)
        for zoom in range(MIN_ZOOM, CLUSTER_MAX_ZOOM + 1)
        if zoom not in present
        for cx, cy in [cell_of(lat, lng, zoom)]
    ]
    if not missing:
        return
    try:
        with transaction.atomic():
            MapCell.objects.bulk_create(missing)
    except IntegrityError:  # another process created some meanwhile: one by one
        for cell in missing:
            cells = MapCell.objects.filter(zoom=cell.zoom, cx=cell.cx, cy=cell.cy)
            if not cells.update(
                count=F("count") + 1, sum_lat=F("sum_lat") + lat, sum_lng=F("sum_lng") + lng
            ):
                cell.save()


def _remove(pk: int, lat: float, lng: float) -> None:
    """Uncount a point from its cells at every zoom (and re-pick samples it was)."""
    from ..models import MapCell, MapPoint

    q = _cells_q(lat, lng)
    MapCell.objects.filter(q).update(
        count=F("count") - 1, sum_lat=F("sum_lat") - lat, sum_lng=F("sum_lng") - lng
    )
    MapCell.objects.filter(q, count__lte=0).delete()
    for cell in MapCell.objects.filter(q, sample_id=pk):
        w, s, e, n = cell_bounds(cell.cx, cell.cy, cell.zoom)
        others = MapPoint.objects.filter(lat__gte=s, lat__lt=n, lng__gte=w, lng__lt=e).exclude(
            pk=pk
        )
        other = others.values_list("pk", "lat", "lng").first()
        cell.sample_id = other[0] if other else None
        if cell.count == 1 and other:
            # Centroid of a single point: the point itself (no accumulated float drift).
            cell.sum_lat, cell.sum_lng = other[1], other[2]
        cell.save(update_fields=["sample_id", "sum_lat", "sum_lng"])


@transaction.atomic
def refresh_project(pk: int) -> bool:
    """Bring one project's contribution to the precomputed map up to date. True if it changed.

    Reconciles state rather than replaying events, so it is safe to call after any change
    (publish, unpublish, delete, move, view restriction) and to call twice.
    """
    from ..models import MapPoint

    current = mapped_projects().filter(pk=pk).first()
    previous = MapPoint.objects.filter(pk=pk).values_list("lat", "lng").first()
    if current is not None and previous is not None and (current[1], current[2]) == previous:
        return False
    if current is None and previous is None:
        return False
    if previous is not None:
        MapPoint.objects.filter(pk=pk).delete()
        _remove(pk, previous[0], previous[1])
    if current is not None:
        _, lat, lng = current
        MapPoint.objects.create(project_id=pk, lat=lat, lng=lng)
        _add(pk, lat, lng)
    return True


def precomputed_cells(bbox: BBox, zoom: int) -> list[tuple[float, float, int, int | None]]:
    """(lat, lng, count, sample id) of the precomputed cells overlapping the box."""
    from ..models import MapCell

    zoom = min(zoom, CLUSTER_MAX_ZOOM)
    x0, y0, x1, y1 = bbox.cell_range(zoom)
    rows = MapCell.objects.filter(
        zoom=zoom, cx__gte=x0, cx__lte=x1, cy__gte=y0, cy__lte=y1
    ).values_list("count", "sum_lat", "sum_lng", "sample_id")
    return [(slat / n, slng / n, n, sample) for n, slat, slng, sample in rows if n > 0]


def precomputed_points(bbox: BBox, limit: int | None = None) -> list[tuple[int, float, float]]:
    from ..models import MapPoint

    rows = MapPoint.objects.filter(
        lat__gte=bbox.south, lat__lte=bbox.north, lng__gte=bbox.west, lng__lte=bbox.east
    ).values_list("project_id", "lat", "lng")
    return list(rows[:limit] if limit else rows)


# ---------------------------------------------------------------------------------------------
# Filtered maps: grid GROUP BY in SQL
# ---------------------------------------------------------------------------------------------
class GridIndex(models.Func):
    """floor((expression + offset) / step) as an integer, on SQLite without a Python UDF."""

    output_field = models.IntegerField()

    def __init__(self, expression, offset: float, step: float):
        super().__init__(expression)
        self.offset = float(offset)
        self.step = float(step)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            template = f"CAST((({sql}) + %s) / %s AS INTEGER)"
        else:
            template = f"CAST(FLOOR((({sql}) + %s) / %s) AS INTEGER)"
        return template, (*params, self.offset, self.step)


def grid_clusters(queryset, bbox: BBox, zoom: int, *, lat="lat", lng="lng", pk="pk"):
    """(lat, lng, count, sample id) per grid cell of the rows of `queryset` inside the box."""
    sx, sy = step_lng(zoom), step_lat(zoom)
    rows = (
        in_bbox(queryset, bbox, lat=lat, lng=lng)
        .order_by()
        .annotate(_cx=GridIndex(F(lng), 180.0, sx), _cy=GridIndex(F(lat), 90.0, sy))
        .values("_cx", "_cy")
        .annotate(_n=Count(pk), _lat=Avg(lat), _lng=Avg(lng), _sample=Min(pk))
        .values_list("_lat", "_lng", "_n", "_sample")
    )
    return [(la, ln, n, sample) for la, ln, n, sample in rows]


def in_bbox(queryset, bbox: BBox, *, lat="lat", lng="lng"):
    return queryset.filter(
        **{
            f"{lat}__gte": bbox.south,
            f"{lat}__lte": bbox.north,
            f"{lng}__gte": bbox.west,
            f"{lng}__lte": bbox.east,
        }
    )


def grid_points(queryset, bbox: BBox, *, lat="lat", lng="lng", pk="pk", limit=None):
    rows = in_bbox(queryset, bbox, lat=lat, lng=lng).order_by().values_list(pk, lat, lng)
    return list(rows[:limit] if limit else rows)


def naive_group(points, zoom: int) -> dict:
    """Pure-Python grouping (tests compare the SQL and precomputed paths against it)."""
    groups = defaultdict(int)
    for _pk, lat, lng in points:
        groups[cell_of(lat, lng, zoom)] += 1
    return dict(groups)
