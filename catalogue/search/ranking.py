"""Relevance order: a page of an id set ranked by BM25 (SQLite) or ``ts_rank`` (PostgreSQL).

From `FULL_ORDER_MIN` ids on, the order comes from the full order of the text's matches,
computed once per term list and data version (held in `idsets`' structures, shared through
the "memo" cache) and then filtered by the id set. On PostgreSQL ranking reads every matched
tsvector (TOASTed), whatever the LIMIT: ~190 ms for 40,000 matches, paid once instead of at
every query and every page. Exact: a subset of a totally ordered list keeps its order.
"""

from __future__ import annotations

import hashlib
from array import array
from operator import itemgetter

from django.db import connection

from . import delta
from .idsets import (
    ENTRY,
    SHARED_SECONDS,
    _cache,
    _fresh,
    cache_allowed,
    id_condition,
    shared_cache,
    through_indexes,
)
from .schema import FTS_TABLE, TS_CONFIG

# Relevance orders held per process, in ids (8 bytes each): a common word at 100,000 projects
# has 40,000 matches, 320 kB.
_ORDERS_LIMIT = 1_000_000
# From this size on, an id set's relevance order comes from the text's full order. Below,
# SQL over the ids is as fast and needs no per-process state.
FULL_ORDER_MIN = 2000


def relevance_order(terms: list[str]) -> array:
    """Every entry matching `terms`, best first (the order of `ranked_ids`), computed once
    per term list and data version."""
    cache = _fresh()
    key = tuple(terms)
    orders, order_keys = cache["orders"], cache["order_keys"]  # see idsets._advance
    order = orders.get(key)
    if order is not None:
        return order
    shared_key = None
    if cache is _cache and cache["version"] is not None:
        digest = hashlib.sha1("\x1f".join(terms).encode()).hexdigest()
        shared_key = f"search:order-keyed:{cache['version']}:{digest}"
        order = shared_cache.get(shared_key)
    if order is None:
        order = _read_order(terms)
        if shared_key:
            shared_cache.set(shared_key, order, SHARED_SECONDS)
    order, keys = order
    held = sum(map(len, orders.values()))
    while orders and held + len(order) > _ORDERS_LIMIT:
        oldest = next(iter(orders))  # the oldest first
        held -= len(orders.pop(oldest))
        order_keys.pop(oldest, None)
    orders[key] = order
    if keys is not None:
        order_keys[key] = keys
    return order


def _read_order(terms: list[str]) -> tuple[array, tuple | None]:
    """The ids in relevance order, and on PostgreSQL their sort keys (`delta`)."""
    if connection.vendor == "postgresql":
        # One pass reads every matched tsvector: the cost of ranking, LIMIT or not.
        text = " ".join(terms)
        with through_indexes(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT page_id, {delta.RANK_SQL}, {delta.DATE_SQL} FROM {ENTRY} "
                "WHERE search_vector @@ plainto_tsquery(%s::regconfig, %s) ORDER BY "
                "ts_rank(search_vector, plainto_tsquery(%s::regconfig, %s)) DESC, "
                "first_published_at DESC NULLS LAST, page_id",
                [TS_CONFIG, text, TS_CONFIG, text, TS_CONFIG, text],
            )
            rows = cursor.fetchall()
        return array("q", map(itemgetter(0), rows)), (
            array("d", map(itemgetter(1), rows)),
            array("q", (delta.date_key(row[2]) for row in rows)),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            f"ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), rowid",
            [" ".join(f'"{t}"' for t in terms)],
        )
        return array("q", map(itemgetter(0), cursor.fetchall())), None


def ranked_ids(ids, terms: list[str], limit: int, offset: int) -> list[int]:
    """The page of `ids` by relevance (BM25 on SQLite, ts_rank on PostgreSQL)."""
    if not ids:
        return []
    order = _fresh()["orders"].get(tuple(terms))
    if order is None and len(ids) >= FULL_ORDER_MIN and cache_allowed():
        order = relevance_order(terms)
    if order is not None:
        # `ids` is a subset of the text's matches: their order is the full order filtered.
        page, skip = [], offset
        for pk in order:
            if pk in ids:
                if skip:
                    skip -= 1
                    continue
                page.append(pk)
                if len(page) == limit:
                    break
        return page
    if connection.vendor == "postgresql":
        condition, params = id_condition("page_id", ids)
        sql = (
            f"SELECT page_id FROM {ENTRY} WHERE {condition} ORDER BY "
            "ts_rank(search_vector, plainto_tsquery(%s::regconfig, %s)) DESC, "
            "first_published_at DESC NULLS LAST, page_id LIMIT %s OFFSET %s"
        )
        params += [TS_CONFIG, " ".join(terms), limit, offset]
    else:
        condition, params = id_condition("+rowid", ids)
        # "+rowid": without the unary plus SQLite hands the id list to FTS5 as rowid
        # look-ups, one full-text query per id (100 times slower).
        sql = (
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND {condition} "
            f"ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), rowid LIMIT %s OFFSET %s"
        )
        params = [" ".join(f'"{t}"' for t in terms), *params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
