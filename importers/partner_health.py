"""What a partner's dashboard shows: its sources and their runs, its records' health (refused,
unplaced: no commune, uncoded: no nomenclature code) and what holders and editors corrected.

A partner's records are the project pages its provenance rows point to (`ProjectSource.partner`);
a refused record is one its sources' latest runs could not take (invalid, or out of the
source's scope and refused), reported with its id and title.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import CuratedField, ProjectPage

from .models import HarvestError, HarvestRun, Source

RUNS_SHOWN = 5
ERRORS_SHOWN = 10

#: The record lists of the dashboard: URL name → (title, what the list holds).
STATES = {
    "refusees": _("Fiches refusées à la dernière collecte"),
    "sans-commune": _("Fiches sans commune"),
    "sans-code": _("Fiches sans code de la nomenclature"),
}
REFUSED = Q(kind="invalid") | Q(kind="scope", reason__startswith="Fiche refusée")


def partner_sources(partner):
    return Source.objects.filter(partner=partner).order_by("name")


def latest_runs(sources) -> list[HarvestRun]:
    """The latest finished run of each source (a running one tells nothing yet)."""
    runs = []
    for source in sources:
        run = source.runs.exclude(status=HarvestRun.Status.RUNNING).order_by("-started_at").first()
        if run is not None:
            runs.append(run)
    return runs


def source_rows(partner) -> list[dict]:
    rows = []
    for source in partner_sources(partner):
        runs = list(source.runs.order_by("-started_at")[:RUNS_SHOWN])
        errors = list(runs[0].errors.filter(severity="error")[:ERRORS_SHOWN]) if runs else []
        rows.append({"source": source, "runs": runs, "errors": errors})
    return rows


def records(partner):
    """Every project page of the partner (live or waiting for moderation)."""
    return ProjectPage.objects.filter(sources__partner=partner).distinct()


def refused_errors(partner):
    runs = latest_runs(partner_sources(partner))
    return HarvestError.objects.filter(REFUSED, run__in=runs).select_related("run__source")


def state_pages(partner, state: str):
    pages = records(partner)
    if state == "sans-commune":
        return pages.filter(insee_code="")
    if state == "sans-code":
        return pages.filter(codes__isnull=True)
    raise KeyError(state)


def state_count(partner, state: str) -> int:
    if state == "refusees":
        return refused_errors(partner).count()
    return state_pages(partner, state).count()


def health(partner) -> dict:
    pages = records(partner)
    return {
        "total": pages.count(),
        "live": pages.filter(live=True).count(),
        "states": [
            {"state": state, "label": label, "count": state_count(partner, state)}
            for state, label in STATES.items()
        ],
    }


def corrections(partner, limit: int = 50):
    """Fields holders and editors corrected on the partner's records, latest first."""
    return (
        CuratedField.objects.filter(project__in=records(partner).values("pk"))
        .select_related("project")
        .order_by("-at")[:limit]
    )
