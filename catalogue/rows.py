"""Plain row inserts for bulk writes: one prepared statement run for every row
(`executemany`), where `bulk_create` assembles a multi-row statement value by value (a third
of a bulk harvest's time) and refuses multi-table children. For rows whose primary key is set
or not needed back."""

from __future__ import annotations

from django.db import connection
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
    `get_db_prep_save`)."""
    if not objs:
        return
    fields = [
        f
        for f in (fields if fields is not None else model._meta.local_concrete_fields)
        if not isinstance(f, AutoFieldMixin)
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
