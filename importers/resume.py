"""A run resuming an interrupted one: the detail pages that run already wrote are not fetched.

A run killed mid-way (``kill -9``, a lost machine) is left "running"; the next run of the source
closes it as "interrupted" (`importers.harvest.close_stale_runs`) and reads, from the items'
fingerprints, the detail pages written since the interrupted runs began (several in a row when
the resumptions were killed too). The crawl still reads every list page, so it knows what the
source lists now; a listed item whose page was already written is not fetched again, only
counted as seen (its provenance touched), so "no longer listed" is decided on the whole listing
exactly as after an uninterrupted run. Items read from lists, files or APIs cost no extra request
and are read again. Resumption only follows an interrupted run of the last day, with no limit,
and never a dry run; a source whose configuration was saved since is read again whole.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from catalogue.models import ProjectSource
from importers.models import HarvestRun, ItemFingerprint

#: An interrupted run older than this is not resumed: its pages may have changed since.
RESUME_WITHIN = timedelta(days=1)
#: Source kinds whose items are read from their own pages (the pages a resumption can skip).
KINDS = ("html", "sitemap", "rss")


def interrupted_since(source, run=None):
    """When the interrupted runs ``run`` resumes began (None: nothing to resume)."""
    runs = source.runs.filter(dry_run=False)
    if run is not None:
        runs = runs.exclude(pk=run.pk).filter(started_at__lte=run.started_at)
    since = None
    for status, started_at, limit in runs.order_by("-started_at").values_list(
        "status", "started_at", "item_limit"
    )[:20]:
        if status != HarvestRun.Status.INTERRUPTED or limit:
            break
        since = started_at
    if since is None or timezone.now() - since > RESUME_WITHIN:
        return None
    if source.updated_at and source.updated_at > since:  # configured otherwise since then
        return None
    return since


def written_pages(source, since) -> dict[str, str]:
    """Detail page → record key, for the items written or seen since ``since``."""
    rows = ItemFingerprint.objects.filter(source=source, seen_at__gte=since).exclude(url="")
    return dict(rows.values_list("url", "key"))


def pages_to_skip(source, config, run) -> dict[str, str]:
    """The detail pages ``run`` need not fetch (empty when it resumes nothing)."""
    if run.item_limit or run.dry_run or config.kind not in KINDS:
        return {}
    since = interrupted_since(source, run)
    return written_pages(source, since) if since is not None else {}


def page_of(item: dict) -> str:
    """The detail page an item was read from ("" for an item read from a list or a file)."""
    url = item.get("url") or ""
    if not url or url == item.get("list_url") or item.get("line"):
        return ""
    return (item.get("link") or url)[:1000]


def provenance_of(source_key: str, keys):
    """The provenance rows of records keyed ``id:…`` or ``url:…`` (the pipeline's keys)."""
    ids = [k[3:] for k in keys if k.startswith("id:")]
    urls = [k[4:] for k in keys if k.startswith("url:")]
    return ProjectSource.objects.filter(
        Q(source_id__in=ids) | Q(source_id="", source_url__in=urls), source_key=source_key
    )


class Resumed:
    """The items a resuming run did not fetch: seen again, in batches, as unchanged."""

    def __init__(self, source, seen_at, pages: dict[str, str]):
        self.source = source
        self.seen_at = seen_at
        self.pages = pages
        self.waiting: list[str] = []
        self.count = 0

    def add(self, url: str) -> None:
        key = self.pages.get(url)
        if key:
            self.waiting.append(key)

    def flush(self) -> int:
        keys, self.waiting = self.waiting, []
        if not keys:
            return 0
        provenance_of(self.source.name, keys).update(
            last_seen=self.seen_at, still_listed=True, missed_runs=0
        )
        ItemFingerprint.objects.filter(source=self.source, key__in=keys).update(
            seen_at=self.seen_at
        )
        self.count += len(keys)
        return len(keys)
