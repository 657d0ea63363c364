"""Template tags for showing projects (cards and pages): see catalogue.presentation."""

from django import template

from .. import presentation

register = template.Library()


@register.simple_tag(takes_context=True)
def project_visual(context, project):
    """`{% project_visual project as visual %}`: the domain visual for a project without image."""
    return presentation.project_visual(project, context.get("request"))


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
