"""Is what derives from the project pages in step with them? (`manage.py check_catalogue`)

Each check compares derived data with the pages in a few aggregate queries (fast at 100,000
projects) and says, in a sentence, what is out of step; each has a repair. The map: the points
against the published, public, geolocated pages, and the clusters of every zoom level against
the points. The search index: entries against the published, public pages (nothing private or
unpublished indexed). The open-data dumps: present, written after the last change, holding every
published project.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Sum

from .maps import grid

#: The zoom of the whole-France map, compared cell by cell (the others by their totals).
FRANCE_ZOOM = 6


@dataclass
class Check:
    name: str
    problems: list[str] = field(default_factory=list)
    repair: Callable[[], object] | None = None
    summary: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_map() -> Check:
    from .models import MapCell, MapPoint, ProjectPage

    check = Check("carte", repair=grid.rebuild_clusters)
    mapped = grid.mapped_projects()
    expected = mapped.count()
    points = MapPoint.objects.count()
    missing = mapped.exclude(pk__in=MapPoint.objects.values("project_id")).count()
    matching = (
        ProjectPage.objects.live()
        .public()
        .filter(pk=OuterRef("project_id"), latitude=OuterRef("lat"), longitude=OuterRef("lng"))
    )
    wrong = MapPoint.objects.filter(~Exists(matching)).count()
    if missing:
        check.problems.append(f"{missing} projet(s) géolocalisé(s) publié(s) absent(s) de la carte")
    if wrong:
        check.problems.append(
            f"{wrong} point(s) de la carte sans projet publié et public à cet endroit"
        )
    totals = dict(MapCell.objects.values_list("zoom").annotate(n=Sum("count")))
    off = {
        zoom: totals.get(zoom) or 0
        for zoom in range(grid.MIN_ZOOM, grid.CLUSTER_MAX_ZOOM + 1)
        if (totals.get(zoom) or 0) != points
    }
    if off:
        check.problems.append(
            f"les regroupements ne comptent pas les {points} points de la carte (zoom : total) : "
            + ", ".join(f"{zoom} : {total}" for zoom, total in off.items())
        )
    if not check.problems:
        check.problems += _cells_differ(FRANCE_ZOOM)
    check.summary = f"{points} point(s) pour {expected} projet(s) géolocalisé(s)"
    return check


def _cells_differ(zoom: int) -> list[str]:
    """The precomputed cells of one zoom, cell by cell, against a GROUP BY of the points."""
    from django.db.models import Count, F

    from .models import MapCell, MapPoint

    computed = dict(
        ((cx, cy), n)
        for cx, cy, n in MapPoint.objects.order_by()
        .annotate(
            _cx=grid.GridIndex(F("lng"), 180.0, grid.step_lng(zoom)),
            _cy=grid.GridIndex(F("lat"), 90.0, grid.step_lat(zoom)),
        )
        .values("_cx", "_cy")
        .annotate(_n=Count("project_id"))
        .values_list("_cx", "_cy", "_n")
    )
    stored = dict(
        ((cx, cy), n)
        for cx, cy, n in MapCell.objects.filter(zoom=zoom).values_list("cx", "cy", "count")
    )
    differ = {
        cell for cell in computed.keys() | stored.keys() if computed.get(cell) != stored.get(cell)
    }
    if differ:
        return [f"zoom {zoom} : {len(differ)} regroupement(s) ne comptent pas leurs points"]
    return []


def check_search_index() -> Check:
    from .models import ProjectPage, ProjectSearchEntry
    from .search import indexer

    check = Check("index de recherche", repair=indexer.rebuild)
    indexable = ProjectPage.objects.live().public()
    missing = indexable.exclude(pk__in=ProjectSearchEntry.objects.values("page_id")).count()
    stray = ProjectSearchEntry.objects.exclude(page_id__in=indexable.values("pk")).count()
    if missing:
        check.problems.append(f"{missing} projet(s) publié(s) absent(s) de l'index de recherche")
    if stray:
        check.problems.append(
            f"{stray} entrée(s) de l'index pour des projets non publiés, privés ou supprimés"
        )
    # Entries written before freshness existed (or by a write around the indexer).
    from .confirmation import FACET
    from .models import ProjectFacetValue

    unaged = ProjectSearchEntry.objects.exclude(
        page_id__in=ProjectFacetValue.objects.filter(facet=FACET).values("entry_id")
    ).count()
    if unaged:
        check.problems.append(
            f"{unaged} entrée(s) de l'index sans fraîcheur (date de confirmation)"
        )
    check.summary = f"{ProjectSearchEntry.objects.count()} entrée(s)"
    return check


def check_dumps() -> Check:
    from . import changes
    from .api.serializers import all_public_ids
    from .opendata import DUMP_NAMES, FORMATS, dump_directory

    check = Check("fichiers open data", repair=changes.write_dumps)
    directory = dump_directory()
    absent = [DUMP_NAMES[fmt] for fmt in FORMATS if not (directory / DUMP_NAMES[fmt]).exists()]
    state = changes.state()
    ids = all_public_ids()
    check.summary = f"{state.dumps_count} projet(s) exporté(s) pour {len(ids)} publié(s)"
    if absent:
        check.problems.append(f"fichier(s) absent(s) de {directory} : {', '.join(absent)}")
        return check
    if state.dumps_version < state.version:
        check.problems.append(
            f"écrits avant la dernière modification du catalogue (version {state.dumps_version} "
            f"< {state.version})"
        )
    if state.dumps_digest != changes.ids_digest(ids):
        check.problems.append(
            f"ils ne contiennent pas les projets publiés ({state.dumps_count} au lieu de "
            f"{len(ids)}, ou pas les mêmes)"
        )
    count = _json_dump_count(directory / DUMP_NAMES["json"])
    if count != len(ids):
        check.problems.append(f"le fichier JSON annonce {count} projet(s) au lieu de {len(ids)}")
    return check


def _json_dump_count(path) -> int | None:
    """The ``count`` of the JSON dump, read from its first bytes (it precedes the results)."""
    with open(path, encoding="utf-8") as handle:
        head = handle.read(4096)
    start = head.find(',"results":[')
    try:
        return json.loads(head[:start] + "}").get("count") if start > 0 else None
    except ValueError:
        return None


CHECKS = (check_map, check_search_index, check_dumps)


def run_checks() -> list[Check]:
    return [check() for check in CHECKS]
