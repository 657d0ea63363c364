"""The change feed: what changed in the catalogue, for peers that subscribe instead of scraping.

Written by the one write path: `changes.changed(pages=ids)` (Wagtail's publish, unpublish,
delete, move and view-restriction signals, provenance rows, bulk creation) appends one
`ChangeEvent` per page, in the writer's transaction, its kind read from the page's state:
public and new to the feed → created, public → updated, otherwise → unpublished (a deletion,
an unpublication, a private section alike). Merges and archives pass their kind.

Read by `/api/changes` (JSON) and `/api/changes/activities` (ActivityStreams 2.0): current
events only, by id (the cursor), optionally since a date. Records are serialised when read, by
the same serialiser as the API: a page that is not public when read is shown as unpublished,
with its id only, whatever its event said — nothing private leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
GONE = ("unpublished", "archived", "merged")


def _public_ids(ids) -> set[int]:
    from .models import ProjectPage

    return set(ProjectPage.objects.live().public().filter(pk__in=ids).values_list("pk", flat=True))


def record(page_ids: Iterable[int], kind: str | None = None, *, merged_into=None) -> list[int]:
    """Append an event for each page (kind None: read from its state); returns their ids."""
    from .models import ChangeEvent

    ids = sorted({int(pk) for pk in page_ids if pk})
    if not ids:
        return []
    previous = dict(
        ChangeEvent.objects.filter(page_id__in=ids, current=True).values_list(
            "page_id", "announced"
        )
    )
    public = _public_ids(ids) if kind in (None, "created", "updated") else set()
    now = timezone.now()
    events = []
    for pk in ids:
        announced = previous.get(pk, False)
        if kind is None or kind in ("created", "updated"):
            if pk in public:
                this_kind = "updated" if announced else "created"
                announced = True
            else:
                this_kind = "unpublished"
        else:
            this_kind = kind
        events.append(
            ChangeEvent(
                page_id=pk,
                kind=this_kind,
                at=now,
                merged_into=merged_into,
                announced=announced,
            )
        )
    ChangeEvent.objects.filter(page_id__in=ids, current=True).update(current=False)
    created = ChangeEvent.objects.bulk_create(events)
    return [event.pk for event in created if event.pk]


def stamp(event_ids: list[int], version: int) -> None:
    """At commit: the data version the change made."""
    from .models import ChangeEvent

    if event_ids:
        ChangeEvent.objects.filter(pk__in=event_ids).update(version=version)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
@dataclass
class FeedPage:
    count: int  # current events matching, from the cursor on
    items: list[dict]
    cursor: str  # where the next page starts (the last event's id), opaque to readers
    more: bool


def parse_cursor(value: str) -> int:
    """The cursor is the last event id read; anything else is refused (ValueError)."""
    value = (value or "").strip()
    if not value:
        return 0
    number = int(value)
    if number < 0 or number > 2**62:
        raise ValueError(value)
    return number


def events(*, since=None, after: int = 0):
    from .models import ChangeEvent

    queryset = ChangeEvent.objects.filter(current=True, announced=True, pk__gt=after)
    if since is not None:
        queryset = queryset.filter(at__gte=since)
    return queryset.order_by("pk")


def read(*, since=None, after: int = 0, size: int = DEFAULT_PAGE_SIZE, urls=None) -> FeedPage:
    from .api.serializers import UrlBuilder, serialise_batch

    urls = urls or UrlBuilder()
    queryset = events(since=since, after=after)
    count = queryset.count()
    rows = list(
        queryset.values("pk", "page_id", "kind", "at", "version", "merged_into")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    alive = [row["page_id"] for row in rows if row["kind"] not in GONE]
    records = {record["id"]: record for record in serialise_batch(alive, urls)}
    new = _created_after(alive, after)
    items = []
    for row in rows:
        record_ = records.get(row["page_id"]) if row["kind"] not in GONE else None
        kind = row["kind"] if record_ is not None or row["kind"] in GONE else "unpublished"
        if kind == "updated" and row["page_id"] in new:
            kind = "created"  # created and updated since the cursor: new to this reader
        items.append(
            {
                "id": row["pk"],
                "kind": kind,
                "project": row["page_id"],
                "at": row["at"].isoformat(),
                "version": row["version"],
                "merged_into": row["merged_into"] if kind == "merged" else None,
                "url": record_["url"] if record_ else None,
                "record": record_,
            }
        )
    cursor = str(rows[-1]["pk"]) if rows else (str(after) if after else "")
    return FeedPage(count=count, items=items, cursor=cursor, more=more)


def _created_after(page_ids: list[int], after: int) -> set[int]:
    """The pages whose creation event comes after the cursor (unseen by this reader)."""
    from .models import ChangeEvent

    if not page_ids:
        return set()
    return set(
        ChangeEvent.objects.filter(page_id__in=page_ids, kind="created", pk__gt=after)
        .values_list("page_id", flat=True)
        .distinct()
    )


def replay(catalogue: dict[int, dict], items: Iterable[dict]) -> dict[int, dict]:
    """Apply feed items to a copy of the catalogue ({id: record}): what a subscriber does."""
    for item in items:
        if item["record"] is not None:
            catalogue[item["project"]] = item["record"]
        else:
            catalogue.pop(item["project"], None)
    return catalogue
