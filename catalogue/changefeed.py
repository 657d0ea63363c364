"""The change feed: what changed in the catalogue, for peers that subscribe instead of scraping.

Written by the one write path: `changes.changed(pages=ids)` (Wagtail's publish, unpublish,
delete, move and view-restriction signals, provenance rows, bulk creation) appends one
`ChangeEvent` per page, in the writer's transaction, its kind read from the page's state:
public and new to the feed → created, public → updated, otherwise → unpublished (a deletion,
an unpublication, a private section alike). Merges and archives pass their kind.

Read by `/api/changes` (JSON) and `/api/changes/activities` (ActivityStreams 2.0): current
events only, in commit order (the data version stamped at commit, then the id: the cursor),
optionally since a date. Records are serialised when read, by
the same serialiser as the API: a page that is not public when read is shown as unpublished,
with its id only, whatever its event said — nothing private leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
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
    cursor: str  # where the next page starts (the last event's position), opaque to readers
    more: bool


def parse_cursor(value: str) -> tuple[int, int]:
    """The position of the last event read: "<version>.<event id>" (a bare event id, as the
    first cursors were, is read as that event's position); anything else is refused."""
    value = (value or "").strip()
    if not value:
        return (0, 0)
    parts = value.split(".")
    if len(parts) > 2 or not all(p.isdigit() for p in parts):
        raise ValueError(value)
    numbers = [int(p) for p in parts]
    if any(n > 2**62 for n in numbers):
        raise ValueError(value)
    if len(numbers) == 2:
        return (numbers[0], numbers[1])
    return (_version_of(numbers[0]), numbers[0])


def _version_of(event_id: int) -> int:
    from .models import ChangeEvent

    version = ChangeEvent.objects.filter(pk=event_id).values_list("version", flat=True).first()
    return version or 0


def format_cursor(version: int, event_id: int) -> str:
    return f"{version}.{event_id}"


def _after(position: tuple[int, int]) -> Q:
    version, event_id = position
    return Q(version__gt=version) | Q(version=version, pk__gt=event_id)


def events(*, since=None, after: tuple[int, int] = (0, 0)):
    """Current events in the order their changes committed (the data version each change
    made, stamped under the counter's lock: a version is visible only once every smaller one
    is). An event is listed once stamped: one whose transaction is still open, or committed a
    moment ago, comes later, after the cursor of a reader who went past its id: never skipped."""
    from .models import ChangeEvent

    queryset = ChangeEvent.objects.filter(current=True, announced=True, version__gt=0)
    queryset = queryset.filter(_after(after))
    if since is not None:
        queryset = queryset.filter(at__gte=since)
    return queryset.order_by("version", "pk")


def read(*, since=None, after=(0, 0), size: int = DEFAULT_PAGE_SIZE, urls=None) -> FeedPage:
    from .api.serializers import UrlBuilder, serialise_batch

    if isinstance(after, int):
        after = (_version_of(after), after) if after else (0, 0)
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
    if rows:
        cursor = format_cursor(rows[-1]["version"], rows[-1]["pk"])
    else:
        cursor = format_cursor(*after) if after != (0, 0) else ""
    return FeedPage(count=count, items=items, cursor=cursor, more=more)


def _created_after(page_ids: list[int], after: tuple[int, int]) -> set[int]:
    """The pages whose creation event comes after the cursor (unseen by this reader)."""
    from .models import ChangeEvent

    if not page_ids:
        return set()
    return set(
        ChangeEvent.objects.filter(_after(after), page_id__in=page_ids, kind="created")
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
