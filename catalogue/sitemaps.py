"""XML sitemaps of the catalogue's public pages (`/sitemap.xml`, wired in `carrefour.urls`).

Wagtail pages: every live page outside a private section (`public()`), with `lastmod` its last
publication; unpublished, merged, archived and view-restricted pages are never listed. The
catalogue's own views (map, statistics, API documentation) follow, dated by the last change of
the catalogue. Sections are paginated (`limit` URLs each) behind a sitemap index, and the
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

    names = ("map-page", "statistics", "api-docs")

    def items(self):
        return list(self.names)

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        from .changes import state

        return state().changed_at

    def get_latest_lastmod(self):
        return self.lastmod(None)
