"""Data a module fixture loads, loaded once per test session and written back for the others.

Module fixtures load the real records through the one write path (`upsert_project`: a Wagtail
page, revision, index entries… per record) inside a transaction rolled back when the module
ends. Several modules load the same data: the first load is recorded as the rows it added,
changed and deleted in every table, and the next modules get those rows written back in their
own transaction (plain INSERTs, the same ids), and a fresh copy of what the loader returned.

A module finding the database other than the first one found it (a transactional test left
rows behind) loads again, and SQLite's full-text tables, kept by triggers, are compared with
the first load's after a restore: a snapshot that would differ from a real load fails loudly.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable

from django.db import connection

_JSON_TYPES = {114, 3802}  # PostgreSQL's json and jsonb type ids


class _Snapshot:
    def __init__(self, before_digest, deleted, inserted, virtual, result):
        self.before_digest = before_digest
        self.deleted = deleted  # table -> (primary key columns, [key values])
        self.inserted = inserted  # table -> (columns, [rows])
        self.virtual = virtual  # SQLite full-text tables' contents after the load
        self.result = copy.deepcopy(result)


_snapshots: dict[str, _Snapshot] = {}


def _virtual_tables(cursor) -> list[str]:
    if connection.vendor != "sqlite":
        return []
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
    )
    return [row[0] for row in cursor.fetchall()]


def _tables(cursor) -> list[str]:
    """Plain tables: not SQLite's own, nor full-text tables and their shadow tables."""
    virtual = _virtual_tables(cursor)
    names = connection.introspection.table_names(cursor)
    return sorted(
        name
        for name in names
        if not name.startswith("sqlite_")
        and name not in virtual
        and not any(name.startswith(f"{v}_") for v in virtual)
    )


def _generated(cursor, table: str) -> set[str]:
    """PostgreSQL's generated columns (the search vector): computed again on insert."""
    if connection.vendor != "postgresql":
        return set()
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND is_generated = 'ALWAYS'",
        [table],
    )
    return {row[0] for row in cursor.fetchall()}


def _read(cursor, table: str) -> tuple[list[str], list[tuple], set[int]]:
    quote = connection.ops.quote_name
    generated = _generated(cursor, table)
    if generated:
        cursor.execute(f"SELECT * FROM {quote(table)} LIMIT 0")
        names = [quote(c[0]) for c in cursor.description if c[0] not in generated]
        cursor.execute(f"SELECT {', '.join(names)} FROM {quote(table)}")
    else:
        cursor.execute(f"SELECT * FROM {quote(table)}")
    columns = [c[0] for c in cursor.description]
    json_columns = {i for i, c in enumerate(cursor.description) if c[1] in _JSON_TYPES}
    return columns, [tuple(row) for row in cursor.fetchall()], json_columns


def _state(cursor) -> dict[str, tuple[list[str], dict[str, tuple], set[int]]]:
    state = {}
    for table in _tables(cursor):
        columns, rows, json_columns = _read(cursor, table)
        state[table] = (columns, {repr(row): row for row in rows}, json_columns)
    return state


def _digest(state) -> str:
    digest = hashlib.sha256()
    for table, (_columns, rows, _json) in sorted(state.items()):
        digest.update(table.encode())
        for key in sorted(rows):
            digest.update(key.encode())
    return digest.hexdigest()


def _virtual_contents(cursor) -> dict[str, list[tuple]]:
    contents = {}
    for table in _virtual_tables(cursor):
        cursor.execute(f"SELECT rowid, * FROM {connection.ops.quote_name(table)} ORDER BY rowid")
        contents[table] = [tuple(row) for row in cursor.fetchall()]
    return contents


def _record(before, after, cursor, result) -> _Snapshot:
    deleted, inserted = {}, {}
    for table, (columns, rows_after, json_columns) in after.items():
        rows_before = before.get(table, (columns, {}, set()))[1]
        gone = [row for key, row in rows_before.items() if key not in rows_after]
        # In the order read (the order written): a rebuild then sums floats in the same order.
        new = [row for key, row in rows_after.items() if key not in rows_before]
        if gone:
            keys = connection.introspection.get_primary_key_columns(cursor, table)
            positions = [columns.index(k) for k in keys]
            deleted[table] = (keys, [tuple(row[p] for p in positions) for row in gone])
        if new:
            inserted[table] = (columns, new, json_columns)
    return _Snapshot(_digest(before), deleted, inserted, _virtual_contents(cursor), result)


def _json(value, wrapper):
    """A JSON column's value as read (Django reads PostgreSQL's JSON as text) for writing."""
    return wrapper(json.loads(value) if isinstance(value, str) else value)


def _restore(snapshot: _Snapshot, cursor) -> None:
    quote = connection.ops.quote_name
    for table, (keys, values) in snapshot.deleted.items():
        condition = " AND ".join(f"{quote(k)} = %s" for k in keys)
        cursor.executemany(f"DELETE FROM {quote(table)} WHERE {condition}", values)
    for table, (columns, rows, json_columns) in snapshot.inserted.items():
        if json_columns:
            from psycopg.types.json import Jsonb

            rows = [
                tuple(
                    _json(v, Jsonb) if i in json_columns and v is not None else v
                    for i, v in enumerate(row)
                )
                for row in rows
            ]
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
    found = _virtual_contents(cursor)
    assert found == snapshot.virtual, "full-text tables differ from the first load's"


def load_once(key: str, loader: Callable[[], object]) -> object:
    """What `loader()` returns and writes, inside the caller's open transaction: the first
    time by running it, afterwards by writing its rows back (see the module docstring)."""
    with connection.cursor() as cursor:
        before = _state(cursor)
        snapshot = _snapshots.get(key)
        if snapshot is not None and snapshot.before_digest == _digest(before):
            _restore(snapshot, cursor)
            return copy.deepcopy(snapshot.result)
    result = loader()
    with connection.cursor() as cursor:
        _snapshots[key] = _record(before, _state(cursor), cursor, result)
    return result
