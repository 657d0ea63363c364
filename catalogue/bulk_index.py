"""Indexes of pages created in bulk: Wagtail's search backends, the reference index and the
catalogue's own search index, batch by batch (see `catalogue.bulk`).

Wagtail's database backend on SQLite follows every `add_items` with a title-norm refresh: an
average over the whole index, then an UPDATE of the new rows, which its FTS trigger turns into
a second write of each row's full text. Per batch of a large harvest that grows with the
catalogue. For new pages on SQLite the entries are therefore written here with their norm
already computed (the same formula: average title length of the index / the title's length).
On PostgreSQL they are written with the same SQL as modelsearch's, spelled out, and their
norms refreshed once per stream (`refresh_search_norms`).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import Length
from wagtail.models import Page, ReferenceIndex

from .models import ProjectPage
from .rows import insert_rows, insert_values


class TitleLengths:
    """Count and total length of the non-empty titles in a database search index, read once
    per stream and kept up to date with the entries the stream adds."""

    def __init__(self):
        self.loaded = False
        self.count = 0
        self.total = 0

    def load(self, entries) -> None:
        if not self.loaded:
            sums = (
                entries.annotate(title_length=Length("title"))
                .filter(title_length__gt=0)
                .aggregate(count=Count("id"), total=Sum("title_length"))
            )
            self.count, self.total = sums["count"] or 0, sums["total"] or 0
            self.loaded = True

    def add(self, lengths: list[int]) -> float | None:
        """Count these new titles in; the average length after them (None: no titles)."""
        for length in lengths:
            if length:
                self.count += 1
                self.total += length
        return self.total / self.count if self.count else None


def _sqlite_index_class():
    """modelsearch's SQLite index class, on SQLite only (its module needs SQLite's models)."""
    if connection.vendor != "sqlite":
        return None
    try:
        from modelsearch.backends.database.sqlite.sqlite import SQLiteIndex
    except (ImportError, LookupError):  # pragma: no cover - SQLite without FTS5
        return None
    return SQLiteIndex


def _sqlite_add_new(index, pages: list[ProjectPage], lengths: TitleLengths) -> None:
    """Index entries of new pages with their title norm, in one INSERT per chunk.

    The texts are those of modelsearch's `ObjectIndexer` (title, body, autocomplete), read in
    one pass over the search fields instead of three."""
    from modelsearch.backends.database.sqlite.sqlite import ObjectIndexer
    from modelsearch.index import AutocompleteField, SearchField

    entry_model = index.entries.model
    content_type_id = ContentType.objects.get_for_model(ProjectPage).pk
    fields = ProjectPage.get_search_fields()
    texts = []
    for page in pages:
        indexer = ObjectIndexer(page, index.backend)
        title, body, autocomplete = [], [], []
        for field in fields:
            for current, value in indexer.prepare_field(page, field):
                if isinstance(current, SearchField):
                    (title if current.field_name == "title" else body).append(value)
                elif isinstance(current, AutocompleteField):
                    autocomplete.append(value)
        texts.append((str(page.pk), " ".join(title), " ".join(body), " ".join(autocomplete)))
    lengths.load(index.entries)
    average = lengths.add([len(title) for _id, title, _body, _auto in texts])
    from .search import admin_backend

    admin_backend.added_titles(title for _id, title, _body, _auto in texts)
    insert_rows(
        entry_model,
        [
            entry_model(
                content_type_id=content_type_id,
                object_id=object_id,
                title=title,
                body=body,
                autocomplete=autocomplete,
                title_norm=average / len(title) if title and average else 1.0,
            )
            for object_id, title, body, autocomplete in texts
        ],
    )


def _postgres_index_class():
    """modelsearch's PostgreSQL index class, on PostgreSQL only."""
    if connection.vendor != "postgresql":
        return None
    try:
        from modelsearch.backends.database.postgres.postgres import PostgresIndex
    except (ImportError, LookupError):  # pragma: no cover
        return None
    return PostgresIndex


def _postgres_add_new(index, pages: list[ProjectPage]) -> None:
    """Index entries of new pages in one INSERT, as modelsearch's `PostgresIndex.add_items`
    writes them (the same weighted `to_tsvector` terms joined with ``||``, the same plain
    texts), with the SQL written out directly: compiling a Django expression per term was half
    of a bulk harvest's time on PostgreSQL. Title norms follow once per stream."""
    from modelsearch.backends.database.postgres.postgres import ObjectIndexer
    from modelsearch.index import AutocompleteField, SearchField

    backend = index.backend
    fields = ProjectPage.get_search_fields()
    content_type_id = ContentType.objects.get_for_model(ProjectPage).pk
    rows_sql, params = [], []

    def vector(texts, config):
        texts = [(text.strip(), weight) for text, weight in texts]
        texts = [(text, weight) for text, weight in texts if text]
        if not texts:
            return "to_tsvector(COALESCE(%s, ''))", [""]
        if config:
            term, values = "setweight(to_tsvector(%s::regconfig, COALESCE(%s, '')), %s)", [config]
        else:  # no configuration: PostgreSQL's default_text_search_config
            term, values = "setweight(to_tsvector(COALESCE(%s, '')), %s)", []
        sql = " || ".join([term] * len(texts))
        return f"({sql})", [v for text, weight in texts for v in (*values, text, weight)]

    for page in pages:
        indexer = ObjectIndexer(page, backend)
        title, body, autocomplete = [], [], []
        for field in fields:
            for current, weight, value in indexer.prepare_field(page, field):
                if isinstance(current, SearchField):
                    (title if current.field_name == "title" else body).append((value, weight))
                elif isinstance(current, AutocompleteField):
                    autocomplete.append((value, weight))
        parts = [
            vector(title, backend.config),
            vector(autocomplete, backend.autocomplete_config),
            vector(body, backend.config),
        ]
        rows_sql.append(f"(%s, %s, {parts[0][0]}, {parts[1][0]}, {parts[2][0]}, 1.0, %s, %s)")
        params += [content_type_id, str(page.pk)]
        for _sql, values in parts:
            params += values
        params += [
            " ".join(t for t in (v.strip() for v, _w in title) if t),
            " ".join(t for t in (v.strip() for v, _w in body) if t),
        ]
    table = connection.ops.quote_name(index.entries.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (content_type_id, object_id, title, autocomplete, body, "
            f"title_norm, title_text, body_text) VALUES {', '.join(rows_sql)} "
            "ON CONFLICT (content_type_id, object_id) DO UPDATE SET title = EXCLUDED.title, "
            "title_norm = 1.0, autocomplete = EXCLUDED.autocomplete, body = EXCLUDED.body, "
            "title_text = EXCLUDED.title_text, body_text = EXCLUDED.body_text",
            params,
        )


def index_new_pages(pages: list[ProjectPage], lengths: TitleLengths | None = None) -> None:
    """Search backends, reference index and the catalogue's index, for freshly created pages
    (never indexed before). `lengths` carries the title statistics across a stream's batches."""
    from wagtail.search.backends import get_search_backends

    sqlite_index, postgres_index = _sqlite_index_class(), _postgres_index_class()
    for backend in get_search_backends(with_auto_update=True):
        index = backend.get_index_for_model(ProjectPage)  # a new instance per call
        if sqlite_index is not None and isinstance(index, sqlite_index):
            _sqlite_add_new(index, pages, lengths or TitleLengths())
            continue
        if postgres_index is not None and isinstance(index, postgres_index):
            _postgres_add_new(index, pages)  # norms: `refresh_search_norms`
            continue
        index.add_items(ProjectPage, pages)  # OpenSearch / Elasticsearch
    _add_references(pages)
    from .search import indexer

    indexer.index_projects([page.pk for page in pages], pages=pages)


def _add_references(pages: list[ProjectPage]) -> None:
    if not ReferenceIndex.is_indexed(ProjectPage):
        return
    page_ct = ContentType.objects.get_for_model(Page).pk
    project_ct = ContentType.objects.get_for_model(ProjectPage).pk
    hash_field = ReferenceIndex._meta.get_field("content_path_hash")  # a UUID: hex on SQLite
    rows = [
        (
            project_ct,
            page_ct,
            str(page.pk),
            to_ct,
            str(to_id),
            model_path,
            content_path,
            hash_field.get_db_prep_save(
                ReferenceIndex._get_content_path_hash(content_path), connection
            ),
        )
        for page in pages
        for to_ct, to_id, model_path, content_path in set(
            ReferenceIndex._extract_references_from_object(page)
        )
    ]
    names = [
        "content_type",
        "base_content_type",
        "object_id",
        "to_content_type",
        "to_object_id",
        "model_path",
        "content_path",
        "content_path_hash",
    ]
    insert_values(ReferenceIndex, names, rows, ignore_conflicts=True)


def refresh_search_norms() -> None:
    """The title norms of the entries `_postgres_add_new` wrote with the default, once for a
    whole stream. A stream stopped early leaves them to the next refresh: the entries are found
    meanwhile, only their titles' weight in the admin's ranking waits."""
    from wagtail.search.backends import get_search_backends

    postgres_index = _postgres_index_class()
    if postgres_index is None:
        return
    for backend in get_search_backends(with_auto_update=True):
        index = backend.get_index_for_model(ProjectPage)
        if isinstance(index, postgres_index):
            index._refresh_title_norms()
