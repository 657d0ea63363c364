"""XML sitemaps of the community's public pages: the space list, public spaces and their
discussions (a private space and everything in it is never listed; `Space.objects.visible_to`
of an anonymous visitor is the rule)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Discussion, Space

PAGE_LIMIT = 5000


class SpaceSitemap(Sitemap):
    limit = PAGE_LIMIT

    def items(self):
        return (
            Space.objects.visible_to(None)
            .order_by("pk")
            .annotate(latest=Max("discussions__last_activity_at"))
        )

    def lastmod(self, space):
        return max(d for d in (space.created_at, space.latest) if d)

    def get_latest_lastmod(self):
        spaces = Space.objects.visible_to(None)
        dates = [
            spaces.aggregate(d=Max("created_at"))["d"],
            Discussion.objects.filter(space__in=spaces).aggregate(d=Max("last_activity_at"))["d"],
        ]
        return max((d for d in dates if d), default=None)


class DiscussionSitemap(Sitemap):
    limit = PAGE_LIMIT

    def items(self):
        return (
            Discussion.objects.filter(space__in=Space.objects.visible_to(None))
            .select_related("space")
            .only("pk", "last_activity_at", "space__slug")
            .order_by("pk")
        )

    def lastmod(self, discussion):
        return discussion.last_activity_at

    def get_latest_lastmod(self):
        return self.items().aggregate(d=Max("last_activity_at"))["d"]


class CommunityViewsSitemap(Sitemap):
    def items(self):
        return ["community:space_list"]

    def location(self, item):
        return reverse(item)
