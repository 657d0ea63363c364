"""Build and maintain `ProjectSearchEntry` rows from project pages.

Only live pages outside any view restriction are indexed; everything else is removed. Single
pages are re-indexed by signals (see `signals.py`); `rebuild()` recreates the whole index
with bulk inserts (``manage.py rebuild_search_index``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import connection, transaction

from .. import confirmation
from ..models import (
    NomenclatureCode,
    ProjectFacetValue,
    ProjectPage,
    ProjectSearchEntry,
    ProjectSource,
    SearchIndexChange,
    SuggestedCode,
)
from ..project_fields import INDEXED_COLUMNS, PAGE_FACETS
from ..rows import insert_rows
from . import text as textmod

logger = logging.getLogger(__name__)

BATCH = 500
# Journal rows kept (see `SearchIndexChange`): a reader whose structures are older than these
# reads everything again.
JOURNAL_KEEP = 20_000
# Plain page columns read in bulk (the description is the only large one): those the entry
# copies (declared in catalogue.project_fields) and those its URL and searched text need.
PAGE_FIELDS = (
    "id",
    "slug",
    "url_path",
    "live",
    "description",
    "department_name",
    "region_name",
    *INDEXED_COLUMNS,
)
# The entry's columns copied from the page, with their lengths (title and structure cut).
_COPIED = tuple(
    (name, ProjectSearchEntry._meta.get_field(name).max_length) for name in INDEXED_COLUMNS
)


def stems_in_index() -> bool:
    """SQLite's FTS5 cannot stem French: the index stores stems computed in Python."""
    return connection.vendor != "postgresql"


class _Lookups:
    """The nomenclature (code -> label, code -> groups): 40 rows, read once per process and
    dropped whenever a code or a group changes (see `signals.py`)."""

    def __init__(self):
        self.code_groups: dict[int, list[tuple[str, str]]] = {}
        self.code_info: dict[int, tuple[str, str]] = dict(
            (pk, (code, name))
            for pk, code, name in NomenclatureCode.objects.values_list("pk", "code", "name")
        )
        through = NomenclatureCode.groups.through.objects.values_list(
            "nomenclaturecode_id", "taxonomygroup__family", "taxonomygroup__slug"
        )
        for code_id, family, slug in through:
            self.code_groups.setdefault(code_id, []).append((family, slug))


_lookups: _Lookups | None = None


def lookups() -> _Lookups:
    global _lookups
    if _lookups is None:
        _lookups = _Lookups()
    return _lookups


def forget_taxonomy(*args, **kwargs) -> None:
    """Signal receiver: the nomenclature changed, re-read it on next use."""
    global _lookups
    _lookups = None
    from .engine import _label_tables

    _label_tables.clear()


FAMILY_FACET = {"domaines": "domaine", "publics": "public", "methodes": "methode"}


SUGGESTED_FACET = "suggere"


def suggested_facets(code_ids, suggested_ids, lookups) -> set[tuple[str, str]]:
    """("suggere", code) of the codes suggested to a page and not confirmed on it."""
    confirmed = set(code_ids)
    return {
        (SUGGESTED_FACET, lookups.code_info[c][0])
        for c in suggested_ids
        if c not in confirmed and c in lookups.code_info
    }


def _entry_and_facets(
    page, code_ids, tags, sources, lookups, url, stem, suggested=(), confirmed=None
):
    """One entry and its (facet, value) pairs from a page's plain data."""
    facets: set[tuple[str, str]] = suggested_facets(code_ids, suggested, lookups)
    confirmed = confirmed or confirmation.Confirmed(None)
    facets |= confirmation.facet_values(confirmed)
    code_words = []
    for code_id in code_ids:
        info = lookups.code_info.get(code_id)
        if not info:
            continue
        facets.add(("code", info[0]))
        code_words.append(info[1])
        for family, slug in lookups.code_groups.get(code_id, ()):
            if family in FAMILY_FACET:
                facets.add((FAMILY_FACET[family], slug))
    for column, facet in PAGE_FACETS:
        value = getattr(page, column)
        if value:
            facets.add((facet, "1" if value is True else value))
    still_listed = not sources or any(listed for _slug, listed in sources)
    for partner_slug, _listed in sources:
        if partner_slug:
            facets.add(("partenaire", partner_slug))
    facets.add(("reference", "oui" if still_listed else "non"))

    body_parts = [
        page.summary,
        textmod.strip_html(page.description),
        page.structure_name,
        page.city,
        page.department_name,
        page.region_name,
        " ".join(tags),
        " ".join(code_words),
    ]
    body = " ".join(p for p in body_parts if p)
    if stem:
        search_title, search_body = textmod.stemmed(page.title), textmod.stemmed(body)
    else:
        search_title, search_body = textmod.normalise(page.title), textmod.normalise(body)
    copied = {}
    for name, max_length in _COPIED:
        value = getattr(page, name)
        copied[name] = value[:max_length] if max_length and isinstance(value, str) else value
    entry = ProjectSearchEntry(
        page_id=page.id,
        title_sort=textmod.normalise(page.title)[:255],
        url=url[:500],
        still_listed=still_listed,
        confirmed_at=confirmed.at,
        search_title=search_title,
        search_body=search_body,
        **copied,
    )
    return entry, facets


def _indexable(queryset):
    return queryset.live().public()


def _related_data(page_ids: list[int]):
    """Codes, tags, sources and suggested codes of many pages in four queries."""
    through = ProjectPage.codes.through
    codes: dict[int, list[int]] = {}
    for page_id, code_id in through.objects.filter(projectpage_id__in=page_ids).values_list(
        "projectpage_id", "nomenclaturecode_id"
    ):
        codes.setdefault(page_id, []).append(code_id)
    tags: dict[int, list[str]] = {}
    tag_model = ProjectPage.tags.through
    for page_id, name in tag_model.objects.filter(content_object_id__in=page_ids).values_list(
        "content_object_id", "tag__name"
    ):
        tags.setdefault(page_id, []).append(name)
    sources: dict[int, list[tuple[str, bool]]] = {}
    for page_id, slug, listed in ProjectSource.objects.filter(project_id__in=page_ids).values_list(
        "project_id", "partner__slug", "still_listed"
    ):
        sources.setdefault(page_id, []).append((slug or "", listed))
    suggested: dict[int, list[int]] = {}
    rows = SuggestedCode.objects.filter(project_id__in=page_ids).order_by()
    for page_id, code_id in rows.values_list("project_id", "code_id"):
        suggested.setdefault(page_id, []).append(code_id)
    return codes, tags, sources, suggested


class _Urls:
    """Page URLs from `url_path` and the sites' root paths (Wagtail's `get_url` per page costs
    a millisecond; this is the same rule, resolved once)."""

    def __init__(self):
        from wagtail.models import Site

        self.roots = sorted(
            Site.get_site_root_paths(), key=lambda root: len(root.root_path), reverse=True
        )
        self.single = len(self.roots) == 1

    def __call__(self, page) -> str:
        for root in self.roots:
            if page.url_path.startswith(root.root_path):
                path = page.url_path[len(root.root_path) - 1 :]
                return path if self.single else root.root_url + path
        return ""


def _build(pages: list, lookups: _Lookups, stem: bool):
    ids = [p.id for p in pages]
    codes, tags, sources, suggested = _related_data(ids)
    confirmed = confirmation.confirmations(ids, {p.id: p.last_published_at for p in pages})
    entries, facet_rows = [], []
    url_of = _Urls()
    for page in pages:
        url = url_of(page)
        entry, facets = _entry_and_facets(
            page, codes.get(page.id, ()), tags.get(page.id, ()), sources.get(page.id, ()),
            lookups, url, stem, suggested.get(page.id, ()), confirmed.get(page.id),
        )  # fmt: skip
        entries.append(entry)
        facet_rows.extend((page.id, f, v[:64]) for f, v in sorted(facets))
    return entries, facet_rows


def _insert(entries, facet_rows):
    insert_rows(ProjectSearchEntry, entries)  # one prepared statement (see catalogue.rows)
    # Plain rows, not model instances: the index has ~14 facet values per project.
    table = ProjectFacetValue._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (entry_id, facet, value) VALUES (%s, %s, %s)", facet_rows
        )


def _delete(page_ids):
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(page_ids))
        cursor.execute(
            f"DELETE FROM {ProjectFacetValue._meta.db_table} WHERE entry_id IN ({marks})",
            page_ids,
        )
        cursor.execute(
            f"DELETE FROM {ProjectSearchEntry._meta.db_table} WHERE page_id IN ({marks})",
            page_ids,
        )


def _journal(page_ids) -> None:
    """Record the written pages (None: the whole index) in the writer's transaction, and
    prune the oldest rows."""
    table = SearchIndexChange._meta.db_table
    rows = [(None,)] if page_ids is None else [(pk,) for pk in page_ids]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (page_id) VALUES (%s)", rows)
        cursor.execute(f"SELECT MAX(id) FROM {table}")
        last = cursor.fetchone()[0] or 0
        if last > JOURNAL_KEEP:
            cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last - JOURNAL_KEEP])


def index_projects(page_ids: Iterable[int], *, pages: Iterable | None = None) -> int:
    """(Re)index these project pages: indexable ones get fresh rows, the others lose theirs.

    `pages`: these pages as just written, in memory (a bulk creation): only which of them are
    indexable is read, not the pages again."""
    page_ids = list({int(pk) for pk in page_ids if pk is not None})
    if not page_ids:
        return 0
    in_memory = {page.pk: page for page in pages} if pages is not None else None
    written = 0
    with transaction.atomic():
        table = lookups()
        stem = stems_in_index()
        _journal(page_ids)
        for start in range(0, len(page_ids), BATCH):
            chunk = page_ids[start : start + BATCH]
            _delete(chunk)
            found = _indexable(ProjectPage.objects.filter(pk__in=chunk))
            if in_memory is None:
                chunk_pages = list(found.only(*PAGE_FIELDS))
            else:
                indexable = set(found.values_list("pk", flat=True))
                chunk_pages = [in_memory[pk] for pk in chunk if pk in indexable]
            entries, facet_rows = _build(chunk_pages, table, stem)
            _insert(entries, facet_rows)
            written += len(entries)
    _changed()
    return written


def index_project(page_id: int) -> bool:
    """Re-index one project page; True if it is in the index afterwards."""
    return index_projects([page_id]) == 1


def remove_projects(page_ids: Iterable[int]) -> None:
    page_ids = [int(pk) for pk in page_ids if pk is not None]
    with transaction.atomic():
        if page_ids:
            _journal(page_ids)
        for start in range(0, len(page_ids), BATCH):
            _delete(page_ids[start : start + BATCH])
    _changed()


def index_descendants(page) -> int:
    """Re-index every project page under `page` (moves, view restrictions)."""
    ids = list(ProjectPage.objects.filter(path__startswith=page.path).values_list("pk", flat=True))
    return index_projects(ids)


def rebuild(progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> int:
    """Recreate the whole index from the live, public project pages, with bulk inserts."""
    from . import schema

    schema.ensure(connection)
    forget_taxonomy()
    total = _indexable(ProjectPage.objects.all()).count()
    table = lookups()
    stem = stems_in_index()
    done = 0
    with transaction.atomic():
        _journal(None)
        _delete_all()
        last_id = 0
        while True:
            pages = list(
                _indexable(ProjectPage.objects.filter(pk__gt=last_id))
                .order_by("pk")
                .only(*PAGE_FIELDS)[:batch]
            )
            if not pages:
                break
            last_id = pages[-1].pk
            entries, facet_rows = _build(pages, table, stem)
            _insert(entries, facet_rows)
            done += len(entries)
            if progress:
                progress(done, total)
    analyse()
    _changed()
    return done


def _delete_all():
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ProjectFacetValue._meta.db_table}")
        cursor.execute(f"DELETE FROM {ProjectSearchEntry._meta.db_table}")


def analyse():
    """Planner statistics after a bulk load (SQLite picks bad plans without them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            empty_tables_statistics(cursor)
            from .schema import FTS_TABLE

            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
        elif connection.vendor == "postgresql":
            # VACUUM also sets the visibility map, without which PostgreSQL cannot answer from
            # the covering indexes alone (the map's id -> coordinates join, the facet look-ups)
            # until autovacuum passes. It cannot run inside a transaction.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{command} {ProjectSearchEntry._meta.db_table}")
            cursor.execute(f"{command} {ProjectFacetValue._meta.db_table}")


def empty_tables_statistics(cursor) -> None:
    """SQLite: a one-row estimate for the tables ANALYZE left without statistics (the empty
    ones). Without it the planner takes such a table for a million rows: Wagtail's
    `public()` (every page view restriction, joined to its page, on each publish and many
    page views) scanned all 100,000 pages to probe an empty restriction table, 20-70 ms,
    instead of reading the empty table first. ANALYZE drops these rows again; it is followed
    by this wherever the catalogue runs it."""
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT IN (SELECT tbl FROM sqlite_stat1)"
    )
    names = [row[0] for row in cursor.fetchall()]
    empty = []
    for name in names:
        cursor.execute(f'SELECT 1 FROM "{name}" LIMIT 1')
        if cursor.fetchone() is None:
            empty.append(name)
    if empty:
        cursor.executemany(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, NULL, '1')",
            [(name,) for name in empty],
        )
        cursor.execute("ANALYZE sqlite_schema")  # this connection reads the statistics again


def _changed():
    """Tell cached readers (id sets, facet counts of the unfiltered catalogue) that the index
    moved."""
    from .. import freshness
    from . import engine, idsets

    idsets.written()
    engine.invalidate_cache()
    # Readers in other processes that see the new version before the commit find the journal
    # unchanged: a version after the commit sends them back to it (once per transaction).
    freshness._on_commit(_bump_committed)


def written_in_place() -> None:
    """Entries were updated in place by a plain UPDATE (`catalogue.confirmation`: the date a
    harvest saw unchanged records): readers and caches follow, as after any index write."""
    _changed()


def _bump_committed():
    from .. import freshness

    freshness.bump()


def set_suggested_facets(page_ids: Iterable[int]) -> None:
    """Refresh the "suggere" facet rows of these pages' entries in place (the harvest stores
    suggestions after writing its batch): two queries and an insert, no page re-read."""
    page_ids = list({int(pk) for pk in page_ids})
    if not page_ids:
        return
    table = lookups()
    ProjectFacetValue.objects.filter(entry_id__in=page_ids, facet=SUGGESTED_FACET).delete()
    indexed = set(
        ProjectSearchEntry.objects.filter(page_id__in=page_ids).values_list("page_id", flat=True)
    )
    through = ProjectPage.codes.through
    codes: dict[int, list[int]] = {}
    for page_id, code_id in through.objects.filter(projectpage_id__in=indexed).values_list(
        "projectpage_id", "nomenclaturecode_id"
    ):
        codes.setdefault(page_id, []).append(code_id)
    suggested: dict[int, list[int]] = {}
    rows = SuggestedCode.objects.filter(project_id__in=indexed).order_by()
    for page_id, code_id in rows.values_list("project_id", "code_id"):
        suggested.setdefault(page_id, []).append(code_id)
    facet_rows = [
        (page_id, facet, value)
        for page_id, ids in suggested.items()
        for facet, value in sorted(suggested_facets(codes.get(page_id, ()), ids, table))
    ]
    if facet_rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {ProjectFacetValue._meta.db_table} (entry_id, facet, value) "
                "VALUES (%s, %s, %s)",
                facet_rows,
            )
    _changed()
