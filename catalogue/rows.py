"""Plain row inserts for bulk writes: one prepared statement run for every row
(`executemany`), where `bulk_create` assembles a multi-row statement value by value (a third
of a bulk harvest's time) and refuses multi-table children. For rows whose primary key is set
or not needed back."""

from __future__ import annotations

from operator import attrgetter

from django.db import NotSupportedError, connection, models
from django.db.models.constants import OnConflict
from django.db.models.fields import AutoFieldMixin

#: Field classes whose database value is the Python value itself when it has one of these
#: types (Django's `get_db_prep_save` returns it unchanged): exact classes only, a subclass
#: may convert.
_PLAIN = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.SlugField: (str,),
    models.URLField: (str,),
    models.EmailField: (str,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.BooleanField: (bool,),
    models.FloatField: (float,),
}


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
    with connection.cursor() as cursor:
        cursor.executemany(_statement(model, fields, ignore_conflicts), prepared_rows(objs, fields))


_PROBES = {str: "x", int: 1, bool: True, float: 1.5}


def _plain_types(field) -> tuple[type, ...]:
    """The value types `field` stores as they are (see `_PLAIN`); a foreign key as its target.
    Checked on this connection: PostgreSQL's integers, for one, go wrapped in their type."""
    if isinstance(field, models.ForeignKey):
        plain = type(field) in (models.ForeignKey, models.OneToOneField)
        candidates = _PLAIN.get(type(field.target_field), ()) if plain else ()
    else:
        candidates = _PLAIN.get(type(field), ())
    kept = []
    for kind in candidates:
        probe = _PROBES[kind]
        prepared = field.get_db_prep_save(probe, connection)
        if type(prepared) is kind and prepared == probe:
            kept.append(kind)
    return tuple(kept)


def _preparer(field):
    """obj -> database value of `field`, as `field.get_db_prep_save(field.pre_save(obj, True))`
    computes it, without the calls where they change nothing: a plain value of a plain field
    goes as it is, and a datetime (a batch shares a few: its `now`) is converted once."""
    own_pre_save = type(field).pre_save is not models.Field.pre_save
    read = (lambda obj: field.pre_save(obj, True)) if own_pre_save else attrgetter(field.attname)
    plain = (type(None), *_plain_types(field))
    if len(plain) > 1:

        def prepare(obj):
            value = read(obj)
            if type(value) in plain:
                return value
            return field.get_db_prep_save(value, connection)

        return prepare
    if isinstance(field, models.DateTimeField):
        converted: dict = {}

        def prepare_datetime(obj):
            value = read(obj)
            if value not in converted:
                converted[value] = field.get_db_prep_save(value, connection)
            return converted[value]

        return prepare_datetime
    return lambda obj: field.get_db_prep_save(read(obj), connection)


def prepared_rows(objs, fields) -> list[list]:
    """The database values of `fields` for each of `objs` (what an INSERT of them binds)."""
    preparers = [_preparer(f) for f in fields]
    return [[prepare(obj) for prepare in preparers] for obj in objs]


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
