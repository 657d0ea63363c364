"""Atom feed of any catalogue search: `/projets/flux.atom?<the same parameters as /projets/>`.

The newest projects first (by first publication). Items come from the search index, which only
holds live public project pages, and are re-checked against `live().public()` when fetched.
"""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from catalogue.models import ProjectPage
from catalogue.search.engine import matching_entries

from .searches import canonical, describe

FEED_SIZE = 30


class ProjectSearchFeed(Feed):
    feed_type = Atom1Feed
    author_name = "Carrefour des innovations sociales"

    def get_object(self, request, *args, **kwargs):
        query, query_string = canonical(request.GET)
        return {"query": query.replace(sort="newest", page=1), "qs": query_string}

    def title(self, obj):
        return f"Carrefour des innovations sociales — {describe(obj['query'])}"

    def subtitle(self, obj):
        return "Les projets les plus récents correspondant à cette recherche."

    def link(self, obj):
        return "/projets/" + (f"?{obj['qs']}" if obj["qs"] else "")

    def feed_url(self, obj):
        return "/projets/flux.atom" + (f"?{obj['qs']}" if obj["qs"] else "")

    def items(self, obj):
        ids = list(
            matching_entries(obj["query"])
            .exclude(first_published_at__isnull=True)
            .order_by("-first_published_at", "-page_id")
            .values_list("page_id", flat=True)[:FEED_SIZE]
        )
        pages = ProjectPage.objects.live().public().filter(pk__in=ids)
        by_id = {page.pk: page for page in pages}
        return [by_id[i] for i in ids if i in by_id]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        parts = [item.summary]
        if item.city:
            parts.append(f"({item.city})")
        return " ".join(p for p in parts if p)

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at or item.first_published_at
