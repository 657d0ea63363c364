"""`{% field_origins page as origins %}`: who supplied each field of a project page
(`catalogue.origins`), for its "Provenance des informations" section."""

from django import template

from ..origins import field_origins as origins_of

register = template.Library()


@register.simple_tag
def field_origins(page):
    return [origin for origin in origins_of(page, page.provenance) if origin.suppliers]
