"""Who may see a partner's front-end screens (proposal form, dashboard, record lists).

The partner role is `PartnerRole` (granted by an editor in the admin, « Rôles de partenaire »).
Editors (who manage sources in the admin) see every partner's screens. Anyone else gets a 404,
not a 403: a member cannot learn which partners exist behind these addresses or who speaks for
them; anonymous visitors are sent to log in first (after which the same rule applies).

The editorial groups' permissions over importers (tag mappings, partner roles, proposals) are
declared here once and granted after each migration (`grant_editor_permissions`).
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.db.models.signals import post_migrate
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalogue.editorial_roles import EDITORIAL_GROUPS

#: What the editorial groups may do in the harvest admin: recoding rules (tag mappings),
#: partner roles, and reviewing the sources partners propose.
EDITOR_PERMISSIONS = (
    "view_tagmapping",
    "add_tagmapping",
    "change_tagmapping",
    "delete_tagmapping",
    "view_partnerrole",
    "add_partnerrole",
    "change_partnerrole",
    "delete_partnerrole",
    "view_source",
    "change_source",
)


class LoginRequired(Exception):
    """Raised for an anonymous visitor; the view answers with the log-in redirect."""


def is_editor(user) -> bool:
    """Editors manage sources in the admin (the same test as the harvest admin screens)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.has_perm("importers.change_source")


def speaks_for(user, partner) -> bool:
    """True when `user` holds the partner role of `partner`."""
    if user is None or partner is None or not user.is_authenticated or not user.is_active:
        return False
    from .models import PartnerRole

    return PartnerRole.objects.filter(user=user, partner_id=partner.pk).exists()


def can_act_for(user, partner) -> bool:
    return is_editor(user) or speaks_for(user, partner)


def partners_of(user):
    """The partner pages `user` speaks for (the account menu's links)."""
    from catalogue.models import PartnerPage

    if user is None or not user.is_authenticated:
        return PartnerPage.objects.none()
    return PartnerPage.objects.filter(pk__in=user.partner_roles.values("partner_id")).order_by(
        "title"
    )


def partner_for(request, slug):
    """The partner page of `slug` when the user may act for it; else LoginRequired or 404."""
    from catalogue.models import PartnerPage

    if not request.user.is_authenticated:
        raise LoginRequired
    partner = get_object_or_404(PartnerPage, slug=slug)
    if not can_act_for(request.user, partner):
        raise Http404
    return partner


def guarded(view):
    """Wraps a partner view `view(request, partner, ...)` with `partner_for`'s rule."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        try:
            partner = partner_for(request, slug)
        except LoginRequired:
            return redirect_to_login(request.get_full_path())
        return view(request, partner, *args, **kwargs)

    return wrapper


def grant_editor_permissions(sender, using="default", **kwargs):
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    create_permissions(sender, verbosity=0, using=using)  # may run before auth's receiver
    perms = list(
        Permission.objects.using(using).filter(
            content_type__app_label="importers", codename__in=EDITOR_PERMISSIONS
        )
    )
    for group in Group.objects.using(using).filter(name__in=EDITORIAL_GROUPS):
        group.permissions.add(*perms)


def connect(app_config):
    post_migrate.connect(
        grant_editor_permissions, sender=app_config, dispatch_uid="importers_editor_perms"
    )
