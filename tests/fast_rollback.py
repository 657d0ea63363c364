"""Serialized rollback written back with plain INSERTs instead of one `save()` per object.

Transactional tests (the browser journeys: `live_server`) empty the database after each test;
`serialized_rollback` then restores what the migrations made (root page, locale, site,
taxonomy, permissions…) from the JSON Django took when it created the test database. Django
restores it object by object (`DeserializedObject.save()`: a query or two and the save signals
each): 1.7 s before every such test on PostgreSQL. Here the same objects, deserialized by
Django, are written with one prepared INSERT per table, their values as a raw save binds them
(`get_db_prep_save` of each local field), and many-to-many values as rows of their through
tables (what `set()` adds to an empty table).

Checked, not assumed: the first restore of a session is Django's own; the second, on an
emptied database, is this one, and what it wrote is compared with what Django's wrote, row for
row. A difference fails the test that triggered it, naming the tables.
"""

from __future__ import annotations

from collections import defaultdict
from io import StringIO

from django.core import serializers
from django.db.backends.base.creation import BaseDatabaseCreation
from django.db.transaction import atomic

_django_restore = BaseDatabaseCreation.deserialize_db_from_string
_written_by_django: dict[str, dict] = {}  # alias -> rows Django's restore wrote
_checked: set[str] = set()


def _objects(alias: str, data: str):
    return list(serializers.deserialize("json", StringIO(data), using=alias))


def _insert(connection, model, objs) -> None:
    ops = connection.ops
    fields = list(model._meta.local_concrete_fields)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_links(connection, deserialized) -> None:
    """Many-to-many values: rows of their automatic through tables (the database is empty,
    so Django's `set()` would only add them), else through `set()` itself."""
    links: dict[tuple, list] = defaultdict(list)
    for item in deserialized:
        for name, values in (item.m2m_data or {}).items():
            field = type(item.object)._meta.get_field(name)
            if not field.remote_field.through._meta.auto_created:
                getattr(item.object, name).set(values)
                continue
            links[
                (field.remote_field.through, field.m2m_column_name(), field.m2m_reverse_name())
            ] += [(item.object.pk, value) for value in values]
    ops = connection.ops
    with connection.cursor() as cursor:
        for (through, source, target), pairs in links.items():
            cursor.executemany(
                f"INSERT INTO {ops.quote_name(through._meta.db_table)} "
                f"({ops.quote_name(source)}, {ops.quote_name(target)}) VALUES (%s, %s)",
                pairs,
            )


def _rows(connection, deserialized) -> dict:
    """The rows of the restored objects' tables that hold one of them (by primary key), and
    their many-to-many rows: what a restore wrote, whatever else the tables hold."""
    wanted: dict[type, set] = defaultdict(set)
    for item in deserialized:
        wanted[type(item.object)].add(item.object.pk)
    found = {}
    for model, pks in wanted.items():
        rows = model._base_manager.using(connection.alias).filter(pk__in=pks).values()
        found[model._meta.label] = sorted(map(repr, (sorted(r.items()) for r in rows)))
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            links = through._base_manager.using(connection.alias).filter(
                **{f"{field.m2m_field_name()}__in": pks}
            )
            pairs = links.values_list(field.m2m_column_name(), field.m2m_reverse_name())
            found[f"{model._meta.label}.{field.name}"] = sorted(pairs)
    return found


def _empty(connection, deserialized) -> bool:
    return not any(
        model._base_manager.using(connection.alias).exists()
        for model in {type(item.object) for item in deserialized}
    )


def _plain_restore(creation, data: str) -> None:
    connection = creation.connection
    deserialized = _objects(connection.alias, data)
    if connection.alias not in _written_by_django or not _empty(connection, deserialized):
        # The session's first restore (its rows are the reference), or a database that was
        # not emptied: Django's own way, which updates rows that exist.
        _django_restore(creation, data)
        _written_by_django.setdefault(connection.alias, _rows(connection, deserialized))
        return
    by_model: dict[type, list] = defaultdict(list)
    for item in deserialized:
        by_model[type(item.object)].append(item.object)
    with atomic(using=connection.alias):
        with connection.constraint_checks_disabled():
            for model, objs in by_model.items():
                _insert(connection, model, objs)
            _insert_links(connection, deserialized)
        connection.check_constraints(table_names={m._meta.db_table for m in by_model})
    if connection.alias not in _checked:
        _checked.add(connection.alias)
        written = _rows(connection, deserialized)
        reference = _written_by_django[connection.alias]
        differing = sorted(
            k for k in reference.keys() | written.keys() if reference.get(k) != written.get(k)
        )
        assert not differing, f"the plain restore differs from Django's in {differing}"


def install() -> None:
    BaseDatabaseCreation.deserialize_db_from_string = _plain_restore
