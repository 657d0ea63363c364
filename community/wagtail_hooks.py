"""Community integration in the Wagtail admin (one block per area)."""

from wagtail import hooks

from . import admin_claims

# --- holders' claims queue (/admin/porteurs/) ---------------------------------------------------
hooks.register("register_admin_urls", admin_claims.admin_urls)
hooks.register("register_admin_menu_item", admin_claims.menu_item)
hooks.register("construct_homepage_panels", admin_claims.homepage_panels)

# --- comment moderation queue (/admin/moderation/) and featured spaces (snippet) ---------------
from wagtail.snippets.models import register_snippet  # noqa: E402

from . import admin_moderation  # noqa: E402

hooks.register("register_admin_urls", admin_moderation.admin_urls)
hooks.register("register_admin_menu_item", admin_moderation.menu_item)
register_snippet(admin_moderation.SpaceViewSet)


# --- claimed pages are never archived (catalogue.archive) ---------------------------------------
@hooks.register("catalogue_claimed_pages")
def claimed_pages(page_ids):
    from .freshness import claimed_pages as claimed

    return claimed(page_ids)


# --- what community shows on the catalogue's pages (catalogue.slots) ---------------------------
@hooks.register("catalogue_page_slots")
def page_slots():
    """Holders, follows and comments on project pages, comments on articles, the search's feed
    link and "save this search", the member's links in the header."""
    return {
        name: [f"community/slots/{name}.html"]
        for name in (
            "project_community",
            "article_extra",
            "search_head",
            "search_tools",
            "account_links",
        )
    }
