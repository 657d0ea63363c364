"""`{% contact_panel page %}`: on a project page, write to its holders, or how to reach it.

A claimed, public project offers signed-in members the form (its holders' addresses are never
in the page); visitors get a log-in link; holders get a link to their messages. An unclaimed
project says how to reach it: its page at the partners that list it, its website.
"""

from django import template
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse
from django.utils.http import urlencode

from .. import contact, holders, permissions

register = template.Library()


@register.inclusion_tag("community/contact/includes/panel.html", takes_context=True)
def contact_panel(context, page):
    from ..views.contact import ContactForm

    request = context.get("request")
    user = getattr(request, "user", None)
    public = contact.is_public_project(page)
    claimed = public and bool(holders.holders_of(page))
    is_holder = claimed and permissions.is_project_holder(user, page)
    signed_in = bool(user and user.is_authenticated)
    return {
        "page": page,
        "request": request,
        "public": public,
        "claimed": claimed,
        "is_holder": is_holder,
        "signed_in": signed_in,
        # `contact.can_contact`, without reading the page's restrictions and holders again.
        "can_contact": claimed and not is_holder and permissions.is_verified_member(user),
        "form": ContactForm(auto_id="id_contact_%s"),
        "login_url": reverse("account_login")
        + "?"
        + urlencode({REDIRECT_FIELD_NAME: request.get_full_path() if request else page.url}),
    }
