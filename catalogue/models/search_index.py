"""The denormalised search index: one row per live, public project page.

Wagtail's database search backend is far too slow at 100,000 pages (see STACK-NOTES), so
search, facets, the map and exports read these two tables instead. They are derived data:
`catalogue.search.indexer` keeps them in step with page changes (signals) and rebuilds them
in bulk (`manage.py rebuild_search_index`). A page that is unpublished or under a view
restriction has no row, so nothing private can leak through any reader.

The full-text part lives outside the ORM (see `catalogue.search.schema`): an FTS5 table fed
by triggers on SQLite, a generated ``search_vector`` tsvector column with a GIN index on
PostgreSQL.
"""

from django.db import models


class ProjectSearchEntry(models.Model):
    page = models.OneToOneField(
        "catalogue.ProjectPage",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    title = models.CharField(max_length=255)
    # Folded title (lower case, no accents) for the A→Z sort.
    title_sort = models.CharField(max_length=255, db_index=True)
    url = models.CharField(max_length=500, blank=True)
    summary = models.TextField(blank=True)
    structure_name = models.CharField(max_length=255, blank=True)
    structure_kind = models.CharField(max_length=20, blank=True, db_index=True)
    stage = models.CharField(max_length=20, blank=True, db_index=True)
    scale = models.CharField(max_length=20, blank=True, db_index=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    city = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=5, blank=True)
    insee_code = models.CharField(max_length=5, blank=True)
    department_code = models.CharField(max_length=3, blank=True, db_index=True)
    region_code = models.CharField(max_length=3, blank=True, db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    website = models.CharField(max_length=500, blank=True)
    image_id = models.IntegerField(null=True, blank=True)
    coup_de_coeur = models.BooleanField(default=False, db_index=True)
    # At least one source still lists the project (or it has no source: our own entry).
    still_listed = models.BooleanField(default=True, db_index=True)
    first_published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_published_at = models.DateTimeField(null=True, blank=True)
    # Last confirmation by a source, the holder or an editor (`catalogue.confirmation`).
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Full-text input: folded words (lower case, unaccented); on SQLite also light-stemmed,
    # since FTS5 has no French stemmer (PostgreSQL stems in its text search configuration).
    search_title = models.TextField(blank=True)
    search_body = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "entrée de l'index de recherche"
        verbose_name_plural = "index de recherche"
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="catalogue_search_latlng"),
            models.Index(fields=["longitude", "latitude"], name="catalogue_search_lnglat"),
            # Covers the filtered map's join from matched ids to coordinates: an index-only
            # look-up per id instead of a read of the (wide) entry row.
            models.Index(fields=["page", "latitude", "longitude"], name="catalogue_search_point"),
        ]

    def __str__(self):
        return self.title


class ProjectFacetValue(models.Model):
    """(entry, facet, value): all facet counts come from one GROUP BY over matched entries."""

    entry = models.ForeignKey(
        ProjectSearchEntry, on_delete=models.CASCADE, related_name="facet_values"
    )
    facet = models.CharField(max_length=16)
    value = models.CharField(max_length=64)

    class Meta:
        verbose_name = "valeur de facette"
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "facet", "value"], name="catalogue_facetvalue_unique"
            )
        ]
        indexes = [
            models.Index(fields=["facet", "value", "entry"], name="catalogue_facetvalue_lookup")
        ]

    def __str__(self):
        return f"{self.entry_id} {self.facet}={self.value}"


class SearchIndexChange(models.Model):
    """The journal of index writes: one row per page whose entry was written or removed, in
    the writer's transaction (a page id of None: the whole index was rebuilt). Readers that
    keep per-version structures (`catalogue.search.idsets`) re-read only the pages written
    since the structures they hold, instead of everything after each change. Old rows are
    pruned by the writers (`indexer.JOURNAL_KEEP`)."""

    page_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = "modification de l'index de recherche"

    def __str__(self):
        return f"{self.pk}: {self.page_id or '*'}"
