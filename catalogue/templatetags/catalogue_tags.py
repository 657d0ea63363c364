"""Template tags for showing projects (cards and pages): see catalogue.presentation."""

from django import template

from .. import presentation

register = template.Library()


@register.simple_tag(takes_context=True)
def project_visual(context, project):
    """`{% project_visual project as visual %}`: the domain visual for a project without image."""
    return presentation.project_visual(project, context.get("request"))


@register.simple_tag(takes_context=True)
def card_url(context, project):
    """`{% card_url project %}`: the project's URL, resolved with the request when there is
    one. `{{ project.url }}` reads Wagtail's site root paths from the cache at each card (a
    round trip to Redis or the database cache, 20 on a results page); with the request they
    are read once per request."""
    get_url = getattr(project, "get_url", None)
    if get_url is None:
        return getattr(project, "url", "")
    return get_url(request=context.get("request")) or ""


@register.simple_tag
def catalogue_versions():
    """`{% catalogue_versions as versions %}`: the data and content versions as one string, for
    `{% cache %}` fragments that show other pages (similar projects): any change to the
    catalogue or the site renders them again."""
    from .. import freshness

    return ":".join(freshness.both())


@register.simple_tag
def project_text(page):
    """`{% project_text page as text %}`: text.lead and text.description, without repeats."""
    return presentation.project_text(page.summary, page.description)


@register.simple_tag
def project_place(page):
    """`{% project_place page as place %}`: {lat, lng, zoom, label} for the small map, or None."""
    return presentation.project_place(page)


@register.simple_tag(takes_context=True)
def project_jsonld(context, page):
    """`{% project_jsonld page %}`: the page's schema.org JSON-LD as a data block (escaped)."""
    from .. import jsonld

    request = context.get("request")
    url = page.get_full_url(request) or ""
    return jsonld.embed(jsonld.project_page(page, url))


@register.simple_tag(takes_context=True)
def page_slot(context, name):
    """What other apps put in this slot of the page (`catalogue.slots`); "" when none does."""
    from django.utils.safestring import mark_safe

    from ..slots import slot_templates

    parts = []
    for template_name in slot_templates(name):
        template = context.template.engine.get_template(template_name)
        with context.push():
            parts.append(template.render(context))
    return mark_safe("".join(parts))


@register.simple_tag
def project_confirmation(page):
    """`{% project_confirmation page as confirmed %}`: when the page was last confirmed and by
    whom (`catalogue.confirmation.Confirmed`: at, by, source, to_verify)."""
    from ..confirmation import confirmation_of

    return confirmation_of(page)
