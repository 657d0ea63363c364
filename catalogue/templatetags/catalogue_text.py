"""Rendering rich text that came from outside (project and partner descriptions)."""

from django import template
from django.utils.safestring import mark_safe
from wagtail.rich_text import expand_db_html

from ..sanitise import rich_text

register = template.Library()


@register.filter
def safe_richtext(value):
    """Wagtail's ``richtext`` (internal links expanded), then the sanitiser's allow-list again.

    The write path already sanitised what is stored; this second pass covers content written
    before it existed, or by any path that bypassed it (a raw SQL fix, an old revision)."""
    if not value:
        return ""
    return mark_safe(rich_text(expand_db_html(str(value)), relative_links=True))  # noqa: S308
