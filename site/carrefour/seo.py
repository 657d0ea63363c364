"""Wiring of what search engines read: `/sitemap.xml` (an index of each app's sitemaps, each
paginated) and `/robots.txt` (pointing at it, keeping crawlers out of the admin, the account
pages and the endless permutations of search results)."""

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from catalogue.sitemaps import CatalogueViewsSitemap, PageSitemap, TerritorySitemap
from community.sitemaps import CommunityViewsSitemap, DiscussionSitemap, SpaceSitemap

SITEMAPS = {
    "pages": PageSitemap,
    "catalogue": CatalogueViewsSitemap,
    "territoires": TerritorySitemap,
    "espaces": SpaceSitemap,
    "discussions": DiscussionSitemap,
    "communaute": CommunityViewsSitemap,
}

#: Paths crawlers are asked to leave alone (prefixes; `*` and `$` as Google and Bing read them).
DISALLOW = (
    "/admin/",
    "/django-admin/",
    "/comptes/",
    "/compte/",
    "/i18n/",
    "/langue/",
    "/commentaires/",
    "/invitation/",
    "/espaces/nouveau/",
    "/espaces/*/rejoindre/",
    "/espaces/*/quitter/",
    "/espaces/*/modifier/",
    "/espaces/*/membres/",
    "/espaces/*/demandes/",
    "/espaces/*/invitations/",
    "/espaces/*/moderation/",
    # Search results: every facet, sort and page combination is another URL of the same pages.
    "/*?*q=",
    "/*?*page=",
    "/*?*tri=",
    "/projets/?",
    "/carte/?",
    "/espaces/?",
    "/api/projects",
    "/api/map",
    "/api/communes",
)


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOW),
        "",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
