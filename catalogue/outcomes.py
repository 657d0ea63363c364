"""A project's outcomes, for the people who follow it: a new stage, a new distinction, a new
partner listing it.

Read from the pages at the end of every write (`changes.changed(pages=…)`, in the writer's
transaction: the admin, a holder's edit, the one-record path and the harvester's bulk path
alike) and compared with what the page's last change left (`OutcomeSnapshot`). Each difference
on a public page is sent as the signal `project_outcomes`; the catalogue knows nothing of who
listens (community turns outcomes into followers' notifications). A page seen for the first
time is recorded silently; the same state seen again (a re-run of a harvest, a re-save) differs
in nothing, so nothing is sent twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

logger = logging.getLogger(__name__)

#: sender=ProjectPage, outcomes=[Outcome, …] — sent inside the writer's transaction.
project_outcomes = Signal()

STAGE, DISTINCTION, PARTNER = "stage", "distinction", "partner"
CHUNK = 2000


@dataclass(frozen=True)
class Outcome:
    page_id: int
    kind: str  # STAGE, DISTINCTION or PARTNER
    key: str  # its identity: the new stage, "name|year", the partner ("p:<id>", "s:<source>")
    label: str  # for people: the stage's label, the distinction, the partner's name


@dataclass
class _State:
    stage: str = ""
    distinctions: dict[str, str] | None = None  # key → label
    partners: dict[str, str] | None = None  # identity → name

    def same_as(self, snapshot) -> bool:
        return (
            snapshot.stage == self.stage
            and sorted(snapshot.distinctions) == sorted(self.distinctions)
            and sorted(snapshot.partners) == sorted(self.partners)
        )


def current_states(ids, models=None) -> dict[int, _State]:
    """The stage, distinctions and partners of these pages, in three queries. `models`: the
    (ProjectPage, ProjectDistinction, ProjectSource) classes (a migration's historical ones)."""
    if models is None:
        from .models import ProjectDistinction, ProjectPage, ProjectSource

        models = (ProjectPage, ProjectDistinction, ProjectSource)
    pages, distinctions, sources = models
    states = {
        pk: _State(stage or "", {}, {})
        for pk, stage in pages.objects.filter(pk__in=ids).values_list("pk", "stage")
    }
    rows = distinctions.objects.filter(project_id__in=ids).values_list("project_id", "name", "year")
    for pk, name, year in rows:
        states[pk].distinctions[f"{name}|{year or ''}"] = f"{name} ({year})" if year else name
    rows = sources.objects.filter(project_id__in=ids).values_list(
        "project_id", "source_key", "partner_id", "partner__title"
    )
    for pk, source_key, partner_id, partner_title in rows:
        identity = f"p:{partner_id}" if partner_id else f"s:{source_key}"
        states[pk].partners[identity] = partner_title or source_key
    return states


def _differences(pk: int, before, state: _State) -> list[Outcome]:
    from .models.choices import Stage

    found = []
    if state.stage and state.stage != before.stage:
        label = Stage(state.stage).label if state.stage in Stage.values else state.stage
        found.append(Outcome(pk, STAGE, state.stage, str(label)))
    for key, label in state.distinctions.items():
        if key not in before.distinctions:
            found.append(Outcome(pk, DISTINCTION, key, label))
    for identity, name in state.partners.items():
        if identity not in before.partners:
            found.append(Outcome(pk, PARTNER, identity, name))
    return found


def _snapshot(model, pk: int, state: _State):
    return model(
        page_id=pk,
        stage=state.stage,
        distinctions=sorted(state.distinctions),
        partners=sorted(state.partners),
        at=timezone.now(),
    )


def _store(model, rows) -> None:
    model.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["page_id"],
        update_fields=["stage", "distinctions", "partners", "at"],
    )


def observe(page_ids) -> list[Outcome]:
    """Compare these pages with their snapshots, store the new ones, send what differs."""
    from .models import OutcomeSnapshot, ProjectPage

    ids = sorted({int(pk) for pk in page_ids if pk})
    if not ids:
        return []
    states = current_states(ids)
    stored = {s.page_id: s for s in OutcomeSnapshot.objects.filter(page_id__in=states)}
    found: list[Outcome] = []
    rows = []
    for pk, state in states.items():
        before = stored.get(pk)
        if before is not None and state.same_as(before):
            continue
        if before is not None:
            found.extend(_differences(pk, before, state))
        rows.append(_snapshot(OutcomeSnapshot, pk, state))
    if rows:
        _store(OutcomeSnapshot, rows)
    gone = set(ids) - set(states)
    if gone:
        OutcomeSnapshot.objects.filter(page_id__in=gone).delete()
    if found:
        public = set(
            ProjectPage.objects.live()
            .public()
            .filter(pk__in={o.page_id for o in found})
            .values_list("pk", flat=True)
        )
        found = [o for o in found if o.page_id in public]
    if found:
        _send(found)
    return found


def _send(found: list[Outcome]) -> None:
    from .models import ProjectPage

    try:
        with transaction.atomic():  # a listener's failure never undoes the write
            project_outcomes.send(sender=ProjectPage, outcomes=found)
    except Exception:  # noqa: BLE001 - the page is written; followers miss this one
        logger.exception("Could not hand %d project outcome(s) to their listeners", len(found))


def fill_snapshots(models, snapshot_model) -> int:
    """Record every page's state (a migration: the next change of an existing page is then
    told to its followers). Returns the pages recorded."""
    ids = list(models[0].objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        states = current_states(chunk, models)
        _store(snapshot_model, [_snapshot(snapshot_model, pk, s) for pk, s in states.items()])
    return len(ids)
