"""Places on the catalogue's pages (and the site's layout) that other apps fill.

The catalogue knows nothing of `community`; its templates still show comments, holders'
panels, a follow button or a saved search, through named slots. An app fills a slot by
registering a Wagtail hook, `catalogue_page_slots`, returning {slot name: [template names]}; a
template shows a slot with::

    {% load catalogue_tags %}{% page_slot "project_community" %}

Each template is included in the current context (the page, the request, the query…). Without
any app filling it, a slot renders nothing, so the catalogue renders alone.
"""

from __future__ import annotations

from wagtail import hooks

HOOK = "catalogue_page_slots"

#: The slots the catalogue's templates offer, and where they are.
SLOTS = {
    "project_community": "project page, below the facts: holders, follow, comments",
    "article_extra": "article page, below the text: comments",
    "search_head": "search page <head>: alternate links (the search's Atom feed)",
    "search_tools": "search page, below the search bar: save this search",
    "account_links": "site header, signed-in member: name, account link, notifications",
    "partner_tools": "partner page, below the facts: its partner role's dashboard and proposals",
}


def slot_templates(name: str) -> list[str]:
    """The template names registered for a slot, in hook order."""
    if name not in SLOTS:
        raise KeyError(f"Unknown page slot {name!r} (catalogue.slots.SLOTS)")
    names: list[str] = []
    for fill in hooks.get_hooks(HOOK):
        names.extend(fill().get(name, ()))
    return names
