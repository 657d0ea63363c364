"""French alphabetical order, the same in Python and in SQL.

Python's and SQLite's default orders compare code points, so "Écologie" and "Île-de-France"
come after "Zéro". Everywhere a list is sorted by name the catalogue sorts by the folded text of
`search.text.fold` (lower case, no accents, ligatures spelt out: "Œuvre" = "oeuvre"), the
original text breaking ties. `french_key` sorts Python lists; `Collated(field)` orders
querysets: `lower(unaccent(…))` on PostgreSQL (the search migrations enable `unaccent`), the
same `fold` registered as an SQL function on SQLite connections (`register_sqlite_fold`).
"""

from __future__ import annotations

from django.db.models import CharField, Func

from .search.text import fold

SQLITE_FUNCTION = "carrefour_fold"


def french_key(text) -> tuple[str, str]:
    text = str(text or "")
    return fold(text), text


def sorted_french(items, key=lambda item: item):
    """`items` in French order of `key(item)` (a name, a title)."""
    return sorted(items, key=lambda item: french_key(key(item)))


class Collated(Func):
    """`order_by(Collated("title"), "title")`: French order in the database."""

    output_field = CharField()
    function = "LOWER"  # other databases: case-insensitive at least

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="lower(unaccent(%(expressions)s))")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION)


def register_sqlite_fold(sender, connection, **kwargs):
    """`connection_created` receiver: SQLite learns `carrefour_fold(text)`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 1, lambda text: fold(text or ""), deterministic=True
        )
