""" "The catalogue changed": the last step of every write to project pages.

Every way pages change reaches `changed()`: Wagtail's publish, unpublish, delete, move and view
restrictions (signals, see `connect`), so the admin, `upsert_project`, a holder's edit, merges
and unlisting alike; and each batch and the end of a bulk stream (`catalogue.bulk`), so the
sample loader and the harvester too. No caller has a step to remember.

What is derived from the pages follows, at the cost each kind of change can afford:
- map clusters and the search index are updated incrementally, in the writer's transaction
  (`maps.grid.refresh_project` / `add_new_points`, `search.signals`);
- the data version (`catalogue.freshness`: statistics, facet and page caches) is bumped;
- the change is counted in `CatalogueState` once the transaction commits;
- a page's new stage, distinction or partner is sent to listeners (`catalogue.outcomes`);
- the open-data dumps are rewritten in the background (one django-q2 task, coalescing a burst of
  edits: an editor's publish never waits for them), or at once at the end of a bulk stream.

`manage.py check_catalogue` proves all of it in step (`catalogue.consistency`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import freshness
from .background import retried_once

logger = logging.getLogger(__name__)

#: A queued rewrite of the dumps not done after this long is taken as lost and queued again.
QUEUE_STALE_AFTER = timedelta(minutes=15)
TASK = "catalogue.changes.refresh_dumps_task"

NOW = "now"  # rewrite the dumps once the transaction commits (end of a bulk stream)
LATER = "later"  # rewrite them in the background (single edits, bulk batches)


_scope = threading.local()


def changed(
    *, dumps: str = LATER, pages=(), kind: str | None = None, merged_into: int | None = None
) -> None:
    """The catalogue changed: bump the data version, count the change, refresh the dumps.

    Cheap whatever the size of the catalogue (a cache write, then after commit one UPDATE and at
    most one queued task), unless `dumps=NOW`, which rewrites them before returning (or at
    commit when inside a transaction). Inside `bulk_change()`, the dumps wait for its end.
    `pages` (ids) changed: the change feed gets an event for each (`catalogue.changefeed`; kind
    read from each page's state unless given: "merged", "archived"), in the writer's
    transaction; so are their outcomes (`catalogue.outcomes.observe`).
    """
    from . import changefeed, outcomes

    freshness.bump()
    events = changefeed.record(pages, kind, merged_into=merged_into) if pages else []
    if pages and kind is None:
        outcomes.observe(pages)  # a new stage, distinction or partner: told to followers
    if getattr(_scope, "depth", 0):
        _scope.dirty = True
        dumps = None
    transaction.on_commit(lambda: _committed(dumps, events))


def _committed(dumps: str | None, events=()) -> None:
    from . import changefeed

    # One transaction: the counter's row stays locked until the events carry their version,
    # so versions become visible in the order they are given (the feed's cursor relies on it).
    with transaction.atomic():
        changefeed.stamp(list(events), count_change())
    freshness.bump()  # readers that filled a cache between the bump and the commit
    if dumps == NOW:
        write_dumps()
    elif dumps == LATER:
        queue_dumps()


#: Events a writer committed but could not stamp (its process died in between) are stamped by
#: the feed's next reader once they are this old.
UNSTAMPED_AFTER = timedelta(minutes=5)


def stamp_late(now=None) -> int:
    """Stamp committed events left without a version (a writer died between its commit and
    its stamp); an open transaction's events are invisible here, and stay so."""
    from .models import ChangeEvent

    limit = (now or timezone.now()) - UNSTAMPED_AFTER
    late = ChangeEvent.objects.filter(version=0, at__lt=limit)
    if not late.exists():
        return 0
    with transaction.atomic():
        return late.update(version=count_change())


@contextmanager
def bulk_change():
    """Many writes as one change (a loader, an import): the dumps are rewritten once, at the
    end, instead of in the background after the first of them."""
    _scope.depth = getattr(_scope, "depth", 0) + 1
    if _scope.depth == 1:
        _scope.dirty = False
    try:
        yield
    finally:
        _scope.depth -= 1
        if not _scope.depth and _scope.dirty:
            _scope.dirty = False
            transaction.on_commit(write_dumps)


def state():
    """The one `CatalogueState` row (created on first use)."""
    from .models import CatalogueState

    row, _created = CatalogueState.objects.get_or_create(pk=1)
    return row


def count_change() -> int:
    """Count one change; returns the new version."""
    from .models import CatalogueState

    rows = CatalogueState.objects.filter(pk=1)
    if not rows.update(version=F("version") + 1, changed_at=timezone.now()):
        state()
        rows.update(version=F("version") + 1, changed_at=timezone.now())
    return rows.values_list("version", flat=True).first() or 0


def queue_dumps() -> bool:
    """Queue one background rewrite of the dumps unless one is already waiting."""
    from django.db.models import Q
    from django_q.tasks import async_task

    from .models import CatalogueState

    now = timezone.now()
    idle = Q(dumps_queued_at__isnull=True) | Q(dumps_queued_at__lt=now - QUEUE_STALE_AFTER)
    claim = CatalogueState.objects.filter(idle, pk=1)
    if not claim.update(dumps_queued_at=now):
        if CatalogueState.objects.filter(pk=1).exists():
            return False  # one is waiting: it will see this change too
        state()
        if not claim.update(dumps_queued_at=now):
            return False
    try:
        async_task(TASK, task_name="catalogue-dumps", group="catalogue")
    except Exception:  # noqa: BLE001 - broker down: check_catalogue reports the stale dumps
        logger.exception("Could not queue the open-data dumps")
        CatalogueState.objects.filter(pk=1).update(dumps_queued_at=None)
        return False
    return True


@retried_once
def refresh_dumps_task() -> str:
    """The django-q2 task: rewrite the dumps if a change came after them."""
    from .models import CatalogueState

    # Cleared first: a change made while the files are written queues the next rewrite.
    CatalogueState.objects.filter(pk=1).update(dumps_queued_at=None)
    current = state()
    if current.dumps_version >= current.version and dumps_present():
        return "à jour"
    written = write_dumps()
    return f"{len(written)} fichiers"


def ids_digest(ids) -> str:
    """The exported ids, in one short string (what the dumps hold, compared with the pages)."""
    text = ",".join(str(pk) for pk in ids)
    return hashlib.sha256(text.encode()).hexdigest()


def dumps_present() -> bool:
    from .opendata import DUMP_NAMES, FORMATS, dump_directory

    directory = dump_directory()
    return all((directory / DUMP_NAMES[fmt]).exists() for fmt in FORMATS)


def write_dumps():
    """Rewrite the open-data dumps now and record what they reflect; returns the files."""
    from .api.serializers import all_public_ids
    from .models import CatalogueState
    from .opendata import write_dumps as write_files

    version = state().version
    ids = all_public_ids()
    written = write_files(ids=ids)
    CatalogueState.objects.filter(pk=1).update(
        dumps_version=version,
        dumps_digest=ids_digest(ids),
        dumps_count=len(ids),
        dumps_at=timezone.now(),
    )
    return written


def refresh_all(*, dumps: bool = True) -> dict:
    """Recompute what derives from all pages at once (map clusters, version, dumps).

    For `check_catalogue --repair` and benchmarks; writes keep everything in step without it.
    """
    from .maps.grid import rebuild_clusters

    points = rebuild_clusters()
    count_change()
    freshness.bump()
    written = write_dumps() if dumps else {}
    return {"map_points": points, "dumps": written}


# ---------------------------------------------------------------------------------------------
# Signals: changes the map and search signal modules do not already end in `changed()`
# ---------------------------------------------------------------------------------------------
#: ProjectSource fields that are part of exported records (a change of the others, e.g. a
#: missed run counted, changes nothing a subscriber sees).
EXPORTED_SOURCE_FIELDS = {"project", "partner", "source_url", "still_listed"}


def _source_changed(sender, instance, **kwargs):
    # Provenance is part of every exported record (partner, "still listed").
    fields = kwargs.get("update_fields")
    exported = fields is None or EXPORTED_SOURCE_FIELDS & set(fields)
    changed(pages=[instance.project_id] if exported else ())


def _partner_changed(sender, instance, **kwargs):
    # Partner names and counts show on project pages, partner pages and in the dumps; the
    # records of its projects carry its name and licence: a rename updates each in the feed.
    changed(pages=_take(instance))


#: What a project's record shows of its partner, and of its nomenclature codes and groups.
PARTNER_EXPORTED = ("title", "data_licence")
CODE_EXPORTED = ("code", "name")
GROUP_EXPORTED = ("name", "slug")


_pending = threading.local()


def _stash(instance, pages) -> None:
    """Pages whose records change with `instance`, between its pre- and post- signals."""
    if not hasattr(_pending, "pages"):
        _pending.pages = {}
    _pending.pages[(type(instance).__name__, instance.pk)] = pages


def _take(instance) -> list[int]:
    return getattr(_pending, "pages", {}).pop((type(instance).__name__, instance.pk), [])


def _exported_change(model, instance, fields, update_fields=None) -> bool:
    if not instance.pk or (update_fields is not None and not set(fields) & set(update_fields)):
        return False
    before = model.objects.filter(pk=instance.pk).values(*fields).first()
    return before is not None and any(before[f] != getattr(instance, f) for f in fields)


def partner_pages(partner_ids) -> list[int]:
    from .models import ProjectSource

    rows = ProjectSource.objects.filter(partner_id__in=partner_ids)
    return sorted(set(rows.values_list("project_id", flat=True)))


def code_pages(code_ids) -> list[int]:
    from .models import ProjectPage

    rows = ProjectPage.codes.through.objects.filter(nomenclaturecode_id__in=code_ids)
    return sorted(set(rows.values_list("projectpage_id", flat=True)))


def group_pages(group_ids) -> list[int]:
    from .models import NomenclatureCode

    codes = NomenclatureCode.groups.through.objects.filter(taxonomygroup_id__in=group_ids)
    return code_pages(codes.values_list("nomenclaturecode_id", flat=True))


def _partner_saving(sender, instance, **kwargs):
    from .models import PartnerPage

    if _exported_change(PartnerPage, instance, PARTNER_EXPORTED, kwargs.get("update_fields")):
        _stash(instance, partner_pages([instance.pk]))


def _partner_deleting(sender, instance, **kwargs):
    _stash(instance, partner_pages([instance.pk]))  # their records fall back on the source


def _taxonomy_saving(sender, instance, **kwargs):
    from .models import NomenclatureCode

    if sender is NomenclatureCode:
        if _exported_change(sender, instance, CODE_EXPORTED, kwargs.get("update_fields")):
            _stash(instance, code_pages([instance.pk]))
    elif _exported_change(sender, instance, GROUP_EXPORTED, kwargs.get("update_fields")):
        _stash(instance, group_pages([instance.pk]))


def _taxonomy_deleting(sender, instance, **kwargs):
    from .models import NomenclatureCode

    pick = code_pages if sender is NomenclatureCode else group_pages
    _stash(instance, pick([instance.pk]))


def _taxonomy_changed(sender, instance, **kwargs):
    """A code renamed or merged away (deleted once its pages moved), a group renamed: the
    records of the pages that carry them change; one bulk "updated" event each."""
    pages = _take(instance)
    if pages:
        changed(pages=pages)


def _code_groups_changed(sender, instance, action, pk_set=None, **kwargs):
    from .models import NomenclatureCode

    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, NomenclatureCode):
        pages = code_pages([instance.pk])
    else:
        pages = group_pages([instance.pk]) if action == "post_clear" else code_pages(pk_set or ())
    if pages:
        changed(pages=pages)


def connect():
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
    from wagtail.signals import page_published, page_unpublished

    from .models import NomenclatureCode, PartnerPage, ProjectSource, TaxonomyGroup

    uid = "catalogue-changed-"
    post_save.connect(_source_changed, sender=ProjectSource, dispatch_uid=uid + "source+")
    post_delete.connect(_source_changed, sender=ProjectSource, dispatch_uid=uid + "source-")
    pre_save.connect(_partner_saving, sender=PartnerPage, dispatch_uid=uid + "partner-save")
    pre_delete.connect(_partner_deleting, sender=PartnerPage, dispatch_uid=uid + "partner-del0")
    for signal, name in ((page_published, "published"), (page_unpublished, "unpublished")):
        signal.connect(_partner_changed, sender=PartnerPage, dispatch_uid=uid + "partner-" + name)
    post_delete.connect(_partner_changed, sender=PartnerPage, dispatch_uid=uid + "partner-del")
    for model in (NomenclatureCode, TaxonomyGroup):
        name = model.__name__
        pre_save.connect(_taxonomy_saving, sender=model, dispatch_uid=uid + name + "-save")
        post_save.connect(_taxonomy_changed, sender=model, dispatch_uid=uid + name + "-saved")
        pre_delete.connect(_taxonomy_deleting, sender=model, dispatch_uid=uid + name + "-del0")
        post_delete.connect(_taxonomy_changed, sender=model, dispatch_uid=uid + name + "-del")
    m2m_changed.connect(
        _code_groups_changed, sender=NomenclatureCode.groups.through, dispatch_uid=uid + "groups"
    )
