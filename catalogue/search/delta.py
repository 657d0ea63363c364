"""Per-version search structures carried over a change instead of read again.

`idsets` holds, per data version, the id set of each facet value, the per-value bitmaps and
the relevance order of each text. Reading them again after every publish cost the first
visitor 0.5-1.5 s at 100,000 projects (1.16M facet rows for the bitmaps, every matched
tsvector for an order). A publish changes one page's rows: the index writers journal the
pages they write (`SearchIndexChange`, in their transaction), and a process that holds the
structures of an earlier journal position re-reads only those pages' rows and applies them:

- a value's id set or bitmap loses the changed pages and gains those that have the value now
  (values appear and disappear as in a full read);
- on PostgreSQL a relevance order loses the changed pages and gains, at their place, those
  that match its text now: each order keeps its sort key (ts_rank, first publication, id),
  and ts_rank depends on the page and the query alone, so the result is the order a full read
  gives. SQLite's BM25 depends on the whole table's statistics (document count, average
  lengths), which every change moves: there, orders are read again (one FTS5 query per text,
  tens of milliseconds);
- the total is counted again (one COUNT).

Applying the changes is idempotent (it writes the pages' current rows), so reading more of the
journal than needed is harmless; reading less is not. A full read follows when the journal
says the whole index was rebuilt, when more pages changed than `DELTA_MAX`, or when the
journal no longer reaches back to the held position (pruned, or rolled back).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

from django.db import connection

from ..models import ProjectFacetValue, ProjectSearchEntry, SearchIndexChange

ENTRY = ProjectSearchEntry._meta.db_table
FACETS_TABLE = ProjectFacetValue._meta.db_table
JOURNAL = SearchIndexChange._meta.db_table
# Beyond this many changed pages (a harvest batch is 500) everything is read again.
DELTA_MAX = 2000
# PostgreSQL hands out journal ids before the writers commit, so a later id may commit first:
# this many rows before the held position are read again (idempotent).
POSTGRES_SLACK = 50
# Sort key of a NULL first publication: after every date (ts_rank DESC, date DESC NULLS LAST).
NO_DATE = 2**62
_EMPTY = frozenset()


def position() -> int:
    """The journal's last id (0 when empty)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {JOURNAL}")
        return cursor.fetchone()[0] or 0


def since(held: int | None, reset_seen: int = 0) -> tuple[int, set[int] | None, int]:
    """(the journal's position, the pages written after `held` or None when everything must be
    read again, the position up to which "everything" rows are accounted for). `reset_seen`:
    that position as of the held structures, so that a rebuild already read in full is not
    read in full again because it lies in PostgreSQL's slack."""
    if held is None:
        last = position()
        return last, None, last
    slack = POSTGRES_SLACK if connection.vendor == "postgresql" else 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {JOURNAL}")
        first, last = cursor.fetchone()
        if last is None:  # an empty journal: nothing was ever written, or it was emptied
            return 0, (set() if held == 0 else None), 0
        if last < held or first > held + 1:  # rolled back below it, or pruned past it
            return last, None, last
        cursor.execute(
            f"SELECT id, page_id FROM {JOURNAL} WHERE id > %s AND id <= %s LIMIT %s",
            [held - slack, last, DELTA_MAX + 1],
        )
        rows = cursor.fetchall()
    resets = [pk for pk, page in rows if page is None and pk > reset_seen]
    if len(rows) > DELTA_MAX or resets:
        return last, None, last  # a full read covers everything up to `last`
    return last, {page for _pk, page in rows if page is not None}, reset_seen


def memberships(changed: set[int]) -> dict[tuple[str, str], set[int]]:
    """(facet, value) -> the changed pages having it now (the facet rows hold every facet,
    the entry's column facets included)."""
    from .idsets import id_condition

    condition, params = id_condition("entry_id", changed)
    now: dict[tuple[str, str], set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT entry_id, facet, value FROM {FACETS_TABLE} WHERE {condition}", params
        )
        for pk, facet, value in cursor.fetchall():
            now.setdefault((facet, value), set()).add(pk)
    return now


def _one(held: frozenset, changed: set[int], want) -> frozenset:
    if not want and held.isdisjoint(changed):
        return held
    return frozenset((held - changed) | want)


def _values(facet: str, held: dict, changed: set[int], now) -> dict:
    """A whole facet's {value: ids} (`idsets.facet_value_sets`)."""
    result = {}
    for value, members in held.items():
        members = _one(members, changed, now.get((facet, value), _EMPTY))
        if members:
            result[value] = members
    for (name, value), ids in now.items():
        if name == facet and value not in result:
            result[value] = frozenset(ids)
    return result


def _bitmaps(facet: str, held: dict, changed_bits: int, now) -> dict:
    from .bitmaps import bitmap

    result = {}
    for value, bits in held.items():
        want = now.get((facet, value))
        if want or bits & changed_bits:
            bits = (bits & ~changed_bits) | bitmap(want or ())
        if bits:
            result[value] = bits
    for (name, value), ids in now.items():
        if name == facet and value not in result:
            result[value] = bitmap(ids)
    return result


class _Keys:
    """The sort keys of an order, as a sequence for `bisect`."""

    def __init__(self, ids, ranks, dates):
        self.ids, self.ranks, self.dates = ids, ranks, dates

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return (-self.ranks[i], self.dates[i], self.ids[i])


def date_key(microseconds) -> int:
    return NO_DATE if microseconds is None else -microseconds


def _order(terms, ids, keys, changed: set[int]):
    """A PostgreSQL order with the changed pages taken out and put back where they rank."""
    from .schema import TS_CONFIG

    ranks, dates = keys
    if len(changed) <= 8:
        ids, ranks, dates = array("q", ids), array("d", ranks), array("q", dates)
        for pk in changed:
            try:
                i = ids.index(pk)
            except ValueError:
                continue
            del ids[i], ranks[i], dates[i]
    else:
        kept = [i for i, pk in enumerate(ids) if pk not in changed]
        ids = array("q", (ids[i] for i in kept))
        ranks = array("d", (ranks[i] for i in kept))
        dates = array("q", (dates[i] for i in kept))
    text = " ".join(terms)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT page_id, {RANK_SQL}, {DATE_SQL} FROM {ENTRY} WHERE page_id = ANY(%s) "
            "AND search_vector @@ plainto_tsquery(%s::regconfig, %s)",
            [TS_CONFIG, text, sorted(changed), TS_CONFIG, text],
        )
        rows = cursor.fetchall()
    view = _Keys(ids, ranks, dates)
    for pk, rank, date in rows:
        i = bisect_left(view, (-rank, date_key(date), pk))
        ids.insert(i, pk)
        ranks.insert(i, rank)
        dates.insert(i, date_key(date))
    return ids, (ranks, dates)


# The ORDER BY of `ranking._read_order` on PostgreSQL, as values (the float4 rank widened).
RANK_SQL = "ts_rank(search_vector, plainto_tsquery(%s::regconfig, %s))::float8"
DATE_SQL = "(EXTRACT(EPOCH FROM first_published_at) * 1000000)::bigint"


def apply(cache: dict, changed: set[int]) -> None:
    """Bring `cache` (idsets' structures) to the index's current rows for `changed`."""
    from .bitmaps import bitmap

    if not changed:
        return
    from .query import FACETS

    now = memberships(changed)
    sets = {}
    # Copies: readers may add entries meanwhile (see idsets._advance).
    for key, held in list(cache["sets"].items()):
        # Only the facets the facet rows hold; anything else kept there (territories, the
        # entries' places) is read again when next asked for.
        if key[0] == "*" and key[1] in FACETS:
            sets[key] = _values(key[1], held, changed, now)
        elif key[0] in FACETS:
            sets[key] = _one(held, changed, now.get(key, _EMPTY))
    changed_bits = bitmap(changed)
    bitmaps = {
        facet: _bitmaps(facet, values, changed_bits, now)
        for facet, values in list(cache["bitmaps"].items())
    }
    orders, order_keys = {}, {}
    if connection.vendor == "postgresql":
        for terms, ids in list(cache["orders"].items()):
            keys = cache["order_keys"].get(terms)
            if keys is not None:
                orders[terms], order_keys[terms] = _order(terms, ids, keys, changed)
    cache.update(sets=sets, bitmaps=bitmaps, orders=orders, order_keys=order_keys, total=None)
