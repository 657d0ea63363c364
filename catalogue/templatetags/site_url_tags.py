"""Absolute links for e-mails: `{% site_base_url as base_url %}`, `{{ page|absolute_page_url }}`.

They follow `catalogue.site_url` (the request being served, else BASE_URL or the Wagtail Site),
where Wagtail's own notification templates use the fixed WAGTAILADMIN_BASE_URL.
"""

from django import template

from .. import site_url

register = template.Library()


@register.simple_tag
def site_base_url():
    return site_url.base_url()


@register.simple_tag
def site_name():
    return site_url.site_name()


@register.filter
def absolute_page_url(page):
    """The page's public address on the running server ("" for a page without a URL)."""
    url = page.get_url() if page is not None else None
    return site_url.absolute(url) if url else ""
