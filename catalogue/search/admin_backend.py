"""Wagtail's database search backend (the admin's search), with title norms kept up to date
per entry instead of over the whole index at every write.

modelsearch's SQLite and PostgreSQL indexes follow every `add_items` (each page save, so
twice per publish) with `_refresh_title_norms()`: an AVG of the title lengths over every
index entry, then an UPDATE of the entries whose norm is 1.0, found by scanning the whole
table (there is no index on the norm). At 100,000 projects that was about 270 ms of a
publish's 526 ms.

Here an `add_items` sets the norm of the entries it wrote, and only theirs, through the
unique (content type, object id) index, with Wagtail's formula: norm = average title length
of the index / the title's length. The average comes from two counters in the default cache
(shared by every process): the number of non-empty titles and their total length. A write
adds its own difference to them once its transaction commits (the old titles of the entries
it rewrites are read first, through the same index), a removal takes its titles out. When
the counters are missing (expired, evicted, a fresh cache) they are counted again over the
whole index, once. Entries deleted by a cascade (a deleted page) are taken out by a
`post_delete` receiver (`connect`). A full refresh (`rebuild_search_index`) is Wagtail's own and drops them.

Settings: ``WAGTAILSEARCH_BACKENDS["default"]["BACKEND"] = "catalogue.search.admin_backend"``
(same parameters as ``wagtail.search.backends.database``). On other databases the backend
is Wagtail's, unchanged.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Length

COUNT_KEY = "wagtail-search:titles"
TOTAL_KEY = "wagtail-search:title-length"
STATS_SECONDS = 24 * 3600


def _lengths(entries, content_type_pk, object_ids) -> dict[str, int]:
    rows = entries.filter(content_type_id=content_type_pk, object_id__in=object_ids)
    return dict(rows.annotate(n=Length("title")).values_list("object_id", "n"))


def _shift(count: int, total: int) -> None:
    """Add to the shared counters once the transaction commits (a rolled-back write never
    counts); counters that expired meanwhile are left to be counted again."""

    def apply():
        try:
            if count:
                cache.incr(COUNT_KEY, count)
            if total:
                cache.incr(TOTAL_KEY, total)
        except ValueError:  # missing: the next read counts the index again
            cache.delete_many([COUNT_KEY, TOTAL_KEY])

    if count or total:
        transaction.on_commit(apply)


def _difference(before: dict[str, int], after: dict[str, int]) -> tuple[int, int]:
    count = sum(1 for n in after.values() if n) - sum(1 for n in before.values() if n)
    return count, sum(after.values()) - sum(before.values())


def _average(entries, pending: tuple[int, int]) -> tuple[float | None, bool]:
    """The average title length of the index, this write included (`pending`: its own
    difference, not yet in the counters), and whether the counters still need `pending`
    (False when they were counted again, this write's rows with them)."""
    stats = cache.get_many([COUNT_KEY, TOTAL_KEY])
    counted = len(stats) == 2
    if counted:
        count, total = stats[COUNT_KEY] + pending[0], stats[TOTAL_KEY] + pending[1]
    else:
        sums = (
            entries.annotate(n=Length("title"))
            .filter(n__gt=0)
            .aggregate(count=Count("id"), total=Sum("n"))
        )
        count, total = sums["count"] or 0, sums["total"] or 0
        # counted with this write's rows: the counters start from them once they commit
        transaction.on_commit(
            lambda: cache.set_many({COUNT_KEY: count, TOTAL_KEY: total}, STATS_SECONDS)
        )
    return (total / count if count > 0 else None), counted


class IncrementalNorms:
    """Mixin for modelsearch's SQLite and PostgreSQL index classes."""

    _written = None

    def add_items(self, model, objs):
        from modelsearch.utils import get_content_type_pk

        objs = list(objs)
        content_type_pk = get_content_type_pk(model)
        object_ids = [str(obj.pk) for obj in objs]
        before = _lengths(self.entries, content_type_pk, object_ids)
        self._written = (content_type_pk, object_ids, before)
        try:
            super().add_items(model, objs)  # ends with _refresh_title_norms()
        finally:
            self._written = None

    def _refresh_title_norms(self, full=False):
        if full or self._written is None:
            super()._refresh_title_norms(full=full)
            cache.delete_many([COUNT_KEY, TOTAL_KEY])
            return
        content_type_pk, object_ids, before = self._written
        after = _lengths(self.entries, content_type_pk, object_ids)
        pending = _difference(before, after)
        average, counted = _average(self.entries, pending)
        if average is not None and [n for n in after.values() if n]:
            self.entries.filter(content_type_id=content_type_pk, object_id__in=object_ids).annotate(
                title_length=Length("title")
            ).filter(title_length__gt=0).update(title_norm=average / F("title_length"))
        if counted:
            _shift(*pending)

    def delete_item(self, item):
        before = dict(item.index_entries.annotate(n=Length("title")).values_list("object_id", "n"))
        super().delete_item(item)
        _shift(*_difference(before, {}))


def added_titles(titles) -> None:
    """Entries written around `add_items` (catalogue.bulk_index): count their titles in."""
    lengths = [len(title) for title in titles if title]
    _shift(len(lengths), sum(lengths))


def _entry_deleting(sender, instance, **kwargs):
    """A cascade from a deleted page (its generic relation), or a queryset delete. The length
    is the database's, as for the counters (PostgreSQL's title is a tsvector: its lexemes)."""
    length = _lengths(sender.objects, instance.content_type_id, [instance.object_id])
    if length.get(instance.object_id):
        _shift(-1, -length[instance.object_id])


def connect():
    from django.db.models.signals import pre_delete
    from wagtail.search.models import IndexEntry

    pre_delete.connect(_entry_deleting, sender=IndexEntry, dispatch_uid="catalogue-admin-titles")


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks up in a backend module
    from modelsearch.backends.database import SearchBackend as database_backend

    backend = database_backend(params)  # per database engine, as Wagtail's
    base = backend.index_class
    if base.__name__ in ("SQLiteIndex", "PostgresIndex"):
        if base not in _classes:
            _classes[base] = type(f"Norms{base.__name__}", (IncrementalNorms, base), {})
        backend.index_class = _classes[base]
    return backend


_classes: dict[type, type] = {}
