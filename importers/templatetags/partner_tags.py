"""Template side of the partner role (the rule itself lives in `importers.partner_access`)."""

from django import template

from importers.partner_access import can_act_for

register = template.Library()


@register.simple_tag(takes_context=True)
def acts_for_partner(context, partner) -> bool:
    request = context.get("request")
    return request is not None and can_act_for(request.user, partner)
