"""Creation of new project pages in bulk (`create_pages`), for `catalogue.bulk`.

Ids reserved up front (`catalogue.rows`), codes, tags, distinctions and provenance, one first
revision per page, then the `Page` and `ProjectPage` rows (computed treebeard paths,
`url_path`, `latest_revision` = `live_revision`), the parent's `numchild` bumped, the
create/edit/publish log entries, and the indexes (`catalogue.bulk_index`); every table gets
one prepared statement per batch. `tree_problems` checks the tree such writes leave.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page, PageLogEntry, Revision

from . import changes
from .bulk_index import TitleLengths, index_new_pages, refresh_search_norms
from .keywords import keyword_names
from .maps.grid import add_new_points
from .models import (
    NomenclatureCode,
    ProjectDistinction,
    ProjectIndexPage,
    ProjectPage,
    ProjectSource,
    ProjectTag,
)
from .page_values import apply_values, record_values
from .provenance import page_digests, proposals
from .records import ProjectRecord
from .rows import insert_rows, insert_values, reserve_ids
from .site_tree import get_project_index

# Page fields set by hand in bulk; the validators of the others run through clean_fields().
_NOT_VALIDATED = (
    "path",
    "depth",
    "numchild",
    "url_path",
    "slug",
    "content_type",
    "owner",
    "locale",
    "locked_by",
    "live_revision",
    "latest_revision",
    "alias_of",
    "image",
    "page_ptr",
    "translation_key",
)


@dataclass
class BulkStream:
    """What a stream's batches learn for the next ones: the search index's title statistics
    and, per slug base, where numbered slugs were last free."""

    lengths: TitleLengths = field(default_factory=TitleLengths)
    next_suffix: dict[str, int] = field(default_factory=dict)
    created: bool = False
    changed: bool = False

    def finish(self) -> None:
        """End of the stream: the search title norms deferred until now (see `bulk_index`),
        and the open-data dumps rewritten if any page changed (`catalogue.changes`)."""
        if self.created:
            refresh_search_norms()
            self.created = False
        if self.changed:
            changes.changed(dumps=changes.NOW)
            self.changed = False


class _Lookups:
    """Per-process caches: content types and nomenclature codes."""

    _codes: dict[str, NomenclatureCode] | None = None

    @classmethod
    def codes(cls) -> dict[str, NomenclatureCode]:
        if cls._codes is None:
            cls._codes = {c.code: c for c in NomenclatureCode.objects.all()}
        return cls._codes

    @classmethod
    def reset(cls):
        cls._codes = None


def _build_page(record: ProjectRecord) -> ProjectPage:
    page = ProjectPage()
    apply_values(page, record_values(record), set())
    page.title = (page.title or record.title.strip())[:255]
    page.draft_title = page.title
    codes = _Lookups.codes()
    page.codes = [codes[c] for c in dict.fromkeys(record.codes) if c in codes]
    page.sync_location_fields()
    # Empty in-memory child relations: serialising or indexing the page asks no query.
    page.tagged_items = []
    page.distinctions = []
    page.wagtail_admin_comments = []
    return page


def validate_pages(batch, indexes) -> tuple[list[int], list[int], dict[int, ProjectPage]]:
    """Split records into those whose page passes field validation and the others."""
    valid, invalid, pages = [], [], {}
    for i in indexes:
        page = _build_page(batch[i])
        try:
            page.clean_fields(exclude=_NOT_VALIDATED)
        except ValidationError:
            invalid.append(i)  # upsert_project reports the reason in French
            continue
        valid.append(i)
        pages[i] = page
    return valid, invalid, pages


def _taken_slugs(index: Page, slugs: Iterable[str]) -> set[str]:
    """Those of `slugs` already used by a child of `index`.

    Looked up by slug alone (its index answers `slug IN (…)` directly), the parent checked in
    Python: with the path prefix and depth in the WHERE clause SQLite's planner may walk the
    siblings instead, which grows with the catalogue."""
    prefix, length = index.path, len(index.path) + Page.steplen
    taken: set[str] = set()
    slugs = list(slugs)
    for start in range(0, len(slugs), 500):
        # No ORDER BY (Page's default is the path): it would have SQLite walk the path index.
        chunk = slugs[start : start + 500]
        rows = Page.objects.filter(slug__in=chunk).order_by().values_list("slug", "path")
        taken.update(slug for slug, path in rows if len(path) == length and path.startswith(prefix))
    return taken


def _slugs(index: Page, titles: list[str], next_suffix: dict[str, int] | None = None) -> list[str]:
    """Unique sibling slugs for these titles (among existing pages and each other).

    A title whose slug is taken gets the first free ``slug-N``. Candidates are checked as exact
    slugs (`slug IN (…)`, indexed) for all colliding titles at once, in windows that double
    while they are all taken; `next_suffix` remembers across a stream's batches where each
    base was last free, so a base shared by thousands of pages costs one look-up per batch,
    not one per hundred pages already there."""
    next_suffix = {} if next_suffix is None else next_suffix
    bases = [slugify(t)[:70] or "projet" for t in titles]
    taken = _taken_slugs(index, set(bases))
    out: list[str | None] = [None] * len(bases)
    waiting: dict[str, list[int]] = {}
    for i, base in enumerate(bases):
        if base in taken:
            waiting.setdefault(base, []).append(i)
        else:
            taken.add(base)
            out[i] = base
    window = {base: len(indexes) + 4 for base, indexes in waiting.items()}
    while waiting:
        candidates = {
            base: [f"{base}-{n}" for n in range(start, start + window[base])]
            for base in waiting
            for start in [next_suffix.get(base, 2)]
        }
        taken |= _taken_slugs(index, [c for names in candidates.values() for c in names])
        for base in list(waiting):
            indexes, names = waiting[base], candidates[base]
            for name in names:
                if not indexes:
                    break
                if name not in taken:
                    taken.add(name)
                    out[indexes.pop(0)] = name
            if indexes:  # the whole window was taken: look further, twice as far
                next_suffix[base] = int(names[-1][len(base) + 1 :]) + 1
                window[base] *= 2
            else:
                del waiting[base]
    for base, slug in zip(bases, out, strict=True):
        if slug != base:
            suffix = int(slug[len(base) + 1 :]) + 1
            next_suffix[base] = max(next_suffix.get(base, 2), suffix)
    return out


def _next_step(index: Page) -> int:
    last = (
        Page.objects.filter(path__startswith=index.path, depth=index.depth + 1)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    return Page._str2int(last[-Page.steplen :]) + 1 if last else 1


def create_pages(
    records: list[ProjectRecord],
    *,
    source_key: str,
    partner=None,
    seen_at=None,
    image_fetcher=None,
    pages: list[ProjectPage] | None = None,
    stream: BulkStream | None = None,
) -> list[int]:
    """Create published project pages for new records, in bulk; returns their ids in order.

    Must run inside a transaction (the caller's batch). The records are assumed valid (see
    `validate_pages`) and unknown to `source_key`. `pages` are their already built pages;
    `stream` what the batches of one stream learn for the next ones.
    """
    if not records:
        return []
    now = timezone.now()
    seen_at = seen_at or now
    index_id = get_project_index().pk
    # Lock the parent: concurrent creators of children would compute the same paths.
    index = ProjectIndexPage.objects.select_for_update().get(pk=index_id)
    page_ct = ContentType.objects.get_for_model(Page)
    project_ct = ContentType.objects.get_for_model(ProjectPage)
    step = _next_step(index)
    stream = stream or BulkStream()
    slugs = _slugs(index, [r.title.strip() for r in records], stream.next_suffix)

    built = pages or [_build_page(record) for record in records]
    pages = []
    for offset, (record, slug, page) in enumerate(zip(records, slugs, built, strict=True)):
        page.slug = slug
        page.path = Page._get_path(index.path, index.depth + 1, step + offset)
        page.depth = index.depth + 1
        page.numchild = 0
        page.url_path = f"{index.url_path}{slug}/"
        page.content_type_id = project_ct.id
        page.locale_id = index.locale_id
        page.translation_key = uuid.uuid4()
        page.live = True
        page.has_unpublished_changes = False
        page.first_published_at = page.last_published_at = now
        page.latest_revision_created_at = now
        if image_fetcher and record.image_url:
            page.image = image_fetcher(record.image_url)
        pages.append(page)

    # 1. Ids first (the revisions and child rows need them), then the related rows, attached
    # to the in-memory pages so that their revisions hold them with their ids.
    for page, pk in zip(pages, reserve_ids(Page, len(pages)), strict=True):
        page.id = page.page_ptr_id = pk
        page._state.adding = False
        page._state.db = connection.alias
    _create_related(pages, records)
    insert_rows(
        ProjectSource,
        [
            ProjectSource(
                project_id=page.pk,
                source_key=source_key,
                source_id=record.source_id,
                source_url=record.source_url,
                partner=partner,
                raw_tags=record.raw_tags,
                first_seen=seen_at,
                last_seen=seen_at,
                content_hash=record.content_hash(),
                fields=proposals(page_digests(page), {}, seen_at),
            )
            for page, record in zip(pages, records, strict=True)
        ],
    )

    # 2. First revision, published (its content is the page before it points at it, as in
    # `save_revision`); then the page rows, pointing at it. Foreign keys are checked at commit.
    revisions = [
        Revision(
            content_type_id=project_ct.id,
            base_content_type_id=page_ct.id,
            object_id=str(page.pk),
            created_at=now,
            user=None,
            object_str=page.title,
            content=page.serializable_data(),
        )
        for page in pages
    ]
    for page, revision, pk in zip(
        pages, revisions, reserve_ids(Revision, len(revisions)), strict=True
    ):
        revision.pk = pk
        page.latest_revision_id = page.live_revision_id = pk
    insert_rows(Page, pages, Page._meta.local_concrete_fields)
    insert_rows(ProjectPage, pages, ProjectPage._meta.local_concrete_fields)
    Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + len(pages))
    insert_rows(Revision, revisions)

    # 3. Page history.
    insert_rows(
        PageLogEntry,
        [
            PageLogEntry(
                content_type_id=project_ct.id,
                page_id=page.pk,
                label=page.title,
                action=action,
                data={},
                timestamp=now,
                revision_id=revision.pk if action != "wagtail.create" else None,
                content_changed=True,
            )
            for page, revision in zip(pages, revisions, strict=True)
            for action in ("wagtail.create", "wagtail.edit", "wagtail.publish")
        ],
    )

    # 4. Indexes: Wagtail search backends, reference index, the catalogue's search index; the
    # map clusters; then "the catalogue changed" (the pages made one by one get it by signals).
    index_new_pages(pages, stream.lengths)
    ids = [page.pk for page in pages]
    add_new_points(ids)
    changes.changed(pages=ids)
    return ids


def _insert_with_ids(model, objs: list) -> None:
    """Rows that need their ids before the revision is serialised (child relations)."""
    for obj, pk in zip(objs, reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    insert_rows(model, objs)


def _create_related(pages: list[ProjectPage], records: list[ProjectRecord]) -> None:
    from taggit.models import Tag

    # Codes (the in-memory ParentalManyToMany value set by _build_page).
    insert_values(  # plain pairs: a model instance per row cost more than its insert
        ProjectPage.codes.through,
        ["projectpage", "nomenclaturecode"],
        [(page.pk, code.pk) for page in pages for code in page.codes.all()],
    )
    # Tags: missing Tag rows are created one by one (taggit makes their unique slugs).
    names_per_page = [keyword_names(record.tags) for record in records]
    wanted = {name for names in names_per_page for name in names}
    tags = {t.name: t for t in Tag.objects.filter(name__in=wanted)} if wanted else {}
    for name in sorted(wanted - set(tags)):
        tags[name], _created = Tag.objects.get_or_create(name=name)
    tagged: list[ProjectTag] = []
    for page, names in zip(pages, names_per_page, strict=True):
        items = [ProjectTag(content_object_id=page.pk, tag=tags[name]) for name in names]
        page.tagged_items = items
        tagged.extend(items)
    _insert_with_ids(ProjectTag, tagged)
    # Distinctions.
    distinctions: list[ProjectDistinction] = []
    for page, record in zip(pages, records, strict=True):
        items = [
            ProjectDistinction(
                project_id=page.pk, name=d.name[:255], year=d.year, url=d.url, sort_order=n
            )
            for n, d in enumerate(record.distinctions)
            if d.name
        ]
        page.distinctions = items
        distinctions.extend(items)
    _insert_with_ids(ProjectDistinction, distinctions)


def tree_problems() -> list[tuple]:
    """Tree inconsistencies, in one query: (page id, problem) for every page whose path, depth,
    url_path or numchild disagrees with its parent and children (treebeard's `find_problems`
    makes two queries per page)."""
    table = Page._meta.db_table
    steplen = Page.steplen
    concat = "||"
    sql = f"""
        SELECT c.id, 'depth' FROM {table} c WHERE LENGTH(c.path) != c.depth * {steplen}
        UNION ALL
        SELECT c.id, 'orphan' FROM {table} c WHERE c.depth > 1 AND NOT EXISTS (
            SELECT 1 FROM {table} p WHERE p.path = SUBSTR(c.path, 1, LENGTH(c.path) - {steplen}))
        UNION ALL
        SELECT c.id, 'url_path' FROM {table} c JOIN {table} p
            ON p.path = SUBSTR(c.path, 1, LENGTH(c.path) - {steplen})
            WHERE c.depth > 1 AND c.url_path != p.url_path {concat} c.slug {concat} '/'
        UNION ALL
        SELECT p.id, 'numchild' FROM {table} p LEFT JOIN (
            SELECT SUBSTR(path, 1, LENGTH(path) - {steplen}) AS parent_path, COUNT(*) AS n
            FROM {table} WHERE depth > 1 GROUP BY SUBSTR(path, 1, LENGTH(path) - {steplen})
        ) k ON k.parent_path = p.path
            WHERE p.numchild != COALESCE(k.n, 0)
        UNION ALL
        SELECT MIN(c.id), 'duplicate_slug' FROM {table} c WHERE c.depth > 1
            GROUP BY SUBSTR(c.path, 1, LENGTH(c.path) - {steplen}), c.slug HAVING COUNT(*) > 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())
