"""Atom feed of any catalogue search: `/projets/flux.atom?<the same parameters as /projets/>`.

The newest projects first (by first publication). Items come from the search index, which only
holds live public project pages, and are re-checked against `live().public()` when fetched.
"""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.xmlutils import SimplerXMLGenerator

from catalogue.models import ProjectPage
from catalogue.sanitise import clean_control
from catalogue.search import matching_entries

from .searches import canonical, describe

FEED_SIZE = 30


class _XMLGenerator(SimplerXMLGenerator):
    """Writes no control character: XML 1.0 cannot hold them (Django refuses, with a 500)."""

    def characters(self, content):
        super().characters(clean_control(content) if content else content)

    def startElement(self, name, attrs):
        super().startElement(name, {k: clean_control(str(v)) for k, v in (attrs or {}).items()})


class TextAtomFeed(Atom1Feed):
    """Atom with summaries as plain text (``type="text"``): a feed reader shows a project's
    summary as typed and never renders it as HTML."""

    def write(self, outfile, encoding):
        handler = _XMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item):
        summary = item.get("description")
        super().add_item_elements(handler, {**item, "description": None})
        if summary:
            handler.addQuickElement("summary", summary, {"type": "text"})


class ProjectSearchFeed(Feed):
    feed_type = TextAtomFeed
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
