"""XML sitemaps of the catalogue's public pages (`/sitemap.xml`, wired in `carrefour.urls`).

Wagtail pages: every live page outside a private section (`public()`), with `lastmod` its last
publication; unpublished, merged, archived and view-restricted pages are never listed. The
catalogue's own views (map, statistics, API documentation) follow, dated by the last change of
the catalogue. Territory pages (`/territoires/<kind>/<code>/`) are listed when they hold a
public project (read from the search index, which holds live public pages only), dated by the
latest publication of a project there. Sections are paginated (`limit` URLs each) behind a sitemap index, and the
index's dates come from one aggregate per section: 100,000 pages cost 20 sitemap pages of one
query each, never a walk over all pages.
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.db.models import Max
from django.urls import reverse
from wagtail.contrib.sitemaps import Sitemap

#: URLs per sitemap page (the protocol allows 50,000; smaller pages answer faster).
PAGE_LIMIT = 5000


class PageSitemap(Sitemap):
    """Live, public Wagtail pages of the request's site, in tree order."""

    limit = PAGE_LIMIT

    def items(self):
        from wagtail.models import Page

        root = self.get_wagtail_site().root_page
        return (
            Page.objects.descendant_of(root, inclusive=True)
            .live()
            .public()
            .order_by("path")
            .only("id", "path", "url_path", "last_published_at", "latest_revision_created_at")
        )

    def _urls(self, page, protocol, domain):
        # Base `Page` rows: no page type here overrides get_sitemap_urls, and `specific()`
        # would cost a query per type for nothing.
        urls = []
        for item in self.paginator.page(page).object_list.iterator():
            urls.extend(item.get_sitemap_urls(self.request))
        if urls and all(u.get("lastmod") for u in urls):
            self.latest_lastmod = max(u["lastmod"] for u in urls)
        return urls

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("last_published_at"))["latest"]


class CatalogueViewsSitemap(DjangoSitemap):
    """The catalogue's public views that are not Wagtail pages."""

    names = ("map-page", "statistics", "api-docs", "territory-index")

    def items(self):
        return list(self.names)

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        from .changes import state

        return state().changed_at

    def get_latest_lastmod(self):
        return self.lastmod(None)


_held: dict[str, list] = {}


def territories_with_projects() -> list[tuple[str, str, object]]:
    """(kind, code, latest publication) of every territory holding a public project, regions
    first, then departments, EPCI and communes, by code: three GROUP BY over the search
    index, held per data version."""
    from . import freshness
    from .models import ProjectSearchEntry
    from .territories import geo

    version = freshness.current()
    if version in _held:
        return _held[version]
    entries = ProjectSearchEntry.objects.all()
    latest: dict[tuple[str, str], object] = {}

    def keep(kind, code, when):
        if code and geo.get(kind, code) is not None:
            held = latest.get((kind, code))
            latest[(kind, code)] = when if held is None or (when and when > held) else held

    for kind, column in (("region", "region_code"), ("departement", "department_code")):
        rows = (
            entries.exclude(**{column: ""}).values_list(column).annotate(Max("last_published_at"))
        )
        for code, when in rows:
            keep(kind, code, when)
    rows = (
        entries.exclude(insee_code="").values_list("insee_code").annotate(Max("last_published_at"))
    )
    for insee, when in rows:
        commune = geo.current_commune(insee)
        if commune is not None:
            keep("commune", commune.code, when)
            keep("epci", commune.epci_code, when)
    order = {kind: n for n, kind in enumerate(geo.KINDS)}
    items = [(kind, code, when) for (kind, code), when in latest.items()]
    items.sort(key=lambda item: (order[item[0]], item[1]))
    _held.clear()
    _held[version] = items
    return items


class TerritorySitemap(DjangoSitemap):
    """The territory pages that hold public projects, dated by their latest publication."""

    limit = PAGE_LIMIT

    def items(self):
        return territories_with_projects()

    def location(self, item):
        return reverse("territory", args=[item[0], item[1]])

    def lastmod(self, item):
        return item[2]

    def get_latest_lastmod(self):
        return max((item[2] for item in self.items() if item[2]), default=None)
