"""Plain row inserts for bulk writes: one prepared statement run for every row
(`executemany`), where `bulk_create` assembles a multi-row statement value by value (a third
of a bulk harvest's time) and refuses multi-table children. For rows whose primary key is set
or not needed back."""

from __future__ import annotations

from django.db import NotSupportedError, connection
from django.db.models.constants import OnConflict
from django.db.models.fields import AutoFieldMixin


def _statement(model, fields, ignore_conflicts: bool) -> str:
    ops = connection.ops
    conflict = OnConflict.IGNORE if ignore_conflicts else None
    return "{} {} ({}) VALUES ({}) {}".format(
        ops.insert_statement(on_conflict=conflict),
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        ops.on_conflict_suffix_sql(fields, conflict, None, None) or "",
    )


def insert_rows(model, objs, fields=None, *, ignore_conflicts: bool = False) -> None:
    """INSERT model instances; values prepared as Django does (`pre_save`, then
    `get_db_prep_save`). Their primary keys are not read back: set them with `reserve_ids`
    where they are needed."""
    if not objs:
        return
    # An automatic primary key is written when set (ids from `reserve_ids`), else left out.
    fields = [
        f
        for f in (fields if fields is not None else model._meta.local_concrete_fields)
        if not (isinstance(f, AutoFieldMixin) and getattr(objs[0], f.attname) is None)
    ]
    if any(hasattr(f, "get_placeholder") for f in fields):  # pragma: no cover - none here
        model._base_manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(_statement(model, fields, ignore_conflicts), rows)


def insert_values(model, names: list[str], rows: list[tuple], *, ignore_conflicts=False) -> None:
    """INSERT plain tuples for the fields `names`, without model instances: values already
    prepared for the database (`field.get_db_prep_save`; str, int, float and None are)."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    with connection.cursor() as cursor:
        cursor.executemany(_statement(model, fields, ignore_conflicts), rows)


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys of `model`, for rows then inserted with `insert_rows` in the
    same transaction (their ids are needed before the insert: children, revisions).

    PostgreSQL: the values of the column's own sequence (safe under concurrency). SQLite: the
    numbers after the highest ever used (AUTOINCREMENT's `sqlite_sequence`, deleted rows
    included), within the caller's write transaction; a concurrent writer would make the
    INSERT fail, never share an id."""
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            quote = connection.ops.quote_name
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0))",
                [table],
            )
            last = cursor.fetchone()[0]
            return list(range(last + 1, last + 1 + count))
    raise NotSupportedError(f"reserve_ids: no sequence support for {connection.vendor}")
