"""Full-text structures the ORM cannot declare, per database vendor.

SQLite: an external-content FTS5 table over ``ProjectSearchEntry.search_title/search_body``
(tokenizer ``unicode61 remove_diacritics 2``, BM25 ranking), fed by triggers, so any insert,
update or delete of an entry (bulk ones included) keeps it in step.

PostgreSQL: ``unaccent`` and a ``carrefour_fr`` text search configuration (the ``french``
Snowball stemmer behind ``unaccent``), a generated ``search_vector`` column (title weight A,
body weight B) and its GIN index.

The migration creates them; `ensure(connection)` (run after every migrate) recreates what a
later table rebuild may have dropped (SQLite drops triggers when Django remakes a table).
"""

from __future__ import annotations

ENTRY_TABLE = "catalogue_projectsearchentry"
FTS_TABLE = "catalogue_search_fts"
TS_CONFIG = "carrefour_fr"

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_title, search_body,
        content='{ENTRY_TABLE}', content_rowid='page_id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body)
        VALUES (new.page_id, new.search_title, new.search_body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.page_id, old.search_title, old.search_body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.page_id, old.search_title, old.search_body);
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body)
        VALUES (new.page_id, new.search_title, new.search_body);
    END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{TS_CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {TS_CONFIG} (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION {TS_CONFIG}
                ALTER MAPPING FOR hword, hword_part, word, asciihword, asciiword, hword_asciipart
                WITH unaccent, french_stem;
        END IF;
    END $$""",
    f"""ALTER TABLE {ENTRY_TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('{TS_CONFIG}'::regconfig, coalesce(search_title, '')), 'A')
            || setweight(to_tsvector('{TS_CONFIG}'::regconfig, coalesce(search_body, '')), 'B')
        ) STORED""",
    f"""CREATE INDEX IF NOT EXISTS catalogue_search_vector_gin
        ON {ENTRY_TABLE} USING gin (search_vector)""",
]
# Rows longer than 2 kB (most: the tsvector and the texts it is made of) are TOASTed down to
# 128 bytes instead of 2 kB, so the heap keeps only the short columns: 74 MB instead of 156 MB
# at 100,000 projects. Every GIN match visits its rows' heap pages (visibility), and so do the
# facet, map and geo scans; a heap that fits in shared buffers makes a common word's match
# 17 ms instead of 60-85 ms (bench/RESULTS.md). Applies to rows written from then on: a
# `rebuild_search_index` rewrites them all.
POSTGRES_NARROW_HEAP = [f"ALTER TABLE {ENTRY_TABLE} SET (toast_tuple_target = 128)"]
POSTGRES_WIDE_HEAP = [f"ALTER TABLE {ENTRY_TABLE} RESET (toast_tuple_target)"]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS catalogue_search_vector_gin",
    f"ALTER TABLE {ENTRY_TABLE} DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {TS_CONFIG}",
]


def create(schema_editor) -> None:
    """Migration step (RunPython): the vendor's full-text structures."""
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def drop(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def narrow_heap(schema_editor) -> None:
    """Migration step: see `POSTGRES_NARROW_HEAP`."""
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_NARROW_HEAP:
            schema_editor.execute(sql)


def wide_heap(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_WIDE_HEAP:
            schema_editor.execute(sql)


def ensure(connection) -> bool:
    """Recreate missing full-text structures; True if something had to be (re)built."""
    if ENTRY_TABLE not in connection.introspection.table_names():
        return False  # migrations not applied yet
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
                [FTS_TABLE, f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"],
            )
            if cursor.fetchone()[0] == 4:
                return False
            for sql in SQLITE_CREATE:
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            return True
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'search_vector'",
                [ENTRY_TABLE],
            )
            if cursor.fetchone():
                return False
            for sql in POSTGRES_CREATE:
                cursor.execute(sql)
            return True
    return False
