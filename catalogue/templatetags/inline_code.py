"""`{{ text|inline_code }}`: `name` in a description (the OpenAPI texts are Markdown) becomes
<code>name</code> on the HTML page, the rest escaped."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()
_BACKTICKED = re.compile(r"`([^`\n]+)`")


@register.filter
def inline_code(text):
    return mark_safe(_BACKTICKED.sub(r"<code>\1</code>", escape(str(text or ""))))  # noqa: S308 - escaped first
