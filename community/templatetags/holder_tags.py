"""Template tags of claims, holders, follows, notifications and saved searches.

- `{% project_community_panel page %}`: holders (badge), project news, follow / claim / edit.
- `{% follow_button obj %}`: follow or unfollow a project, a space or a discussion.
- `{% notification_bell %}`: the header link to /notifications/ with the unread count.
- `{% my_claims as claims %}`, `{% my_follows_summary as summary %}`: account page blocks.
- `{% save_search_button %}` (inside the search form), `{% search_feed_url %}`: results page.
"""

from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from .. import holders, notify, permissions
from ..models import Follow, NotificationSettings, ProjectClaim, ProjectNews, SavedSearch
from ..models.follows import FOLLOWABLE

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


def _kind(obj):
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    key = f"{ct.app_label}.{ct.model}"
    return ct, next((k for k, v in FOLLOWABLE.items() if v == key), "")


@register.inclusion_tag("community/includes/follow_button.html", takes_context=True)
def follow_button(context, obj):
    user = _user(context)
    request = context.get("request")
    ct, kind = _kind(obj)
    following = bool(
        user
        and user.is_authenticated
        and Follow.objects.filter(user=user, target_type=ct, target_id=obj.pk).exists()
    )
    return {
        "obj": obj,
        "kind": kind,
        "following": following,
        "authenticated": bool(user and user.is_authenticated),
        "action_url": reverse("community:follow", args=[kind, obj.pk]) if kind else "",
        "next": request.get_full_path() if request else "",
        "login_url": reverse("account_login"),
    }


@register.inclusion_tag("community/includes/project_holders.html", takes_context=True)
def project_community_panel(context, page):
    user = _user(context)
    request = context.get("request")
    is_holder = permissions.is_project_holder(user, page)
    can_edit = is_holder or holders.is_page_editor(user, page)
    claim = holders.open_claim(user, page) if not is_holder else None
    return {
        "page": page,
        "request": request,
        "user": user,
        "holders": holders.holders_of(page),
        "news": list(ProjectNews.objects.filter(project=page).select_related("author")[:5]),
        "is_holder": is_holder,
        "can_edit": can_edit,
        "claim": claim,
        "authenticated": bool(user and user.is_authenticated),
        "claim_url": reverse("community:claim", args=[page.pk]),
    }


@register.inclusion_tag("community/includes/notification_bell.html", takes_context=True)
def notification_bell(context):
    user = _user(context)
    return {"unread": notify.unread_count(user), "url": reverse("community:notifications")}


@register.simple_tag(takes_context=True)
def my_claims(context):
    user = _user(context)
    if not user or not user.is_authenticated:
        return []
    return list(
        ProjectClaim.objects.filter(user=user)
        .exclude(status=ProjectClaim.Status.REVOKED)
        .select_related("project")
        .order_by("status", "-created_at")
    )


@register.simple_tag(takes_context=True)
def my_follows_summary(context):
    user = _user(context)
    if not user or not user.is_authenticated:
        return {}
    row = NotificationSettings.objects.filter(user=user).first()
    return {
        "follows": Follow.objects.filter(user=user).count(),
        "searches": SavedSearch.objects.filter(user=user).count(),
        "unread": notify.unread_count(user),
        "frequency": row.get_frequency_display()
        if row
        else NotificationSettings.Frequency.WEEKLY.label,
    }


@register.inclusion_tag("community/includes/save_search.html", takes_context=True)
def save_search_button(context):
    """ "Save this search" and "Atom feed" links for the current search state.

    `js/saved_searches.js` keeps their query strings (and the `<link rel="alternate">`) in step
    with the live-updated results (the search page's `search:updated` event).
    """
    encoded = _current_params(context)
    suffix = f"?{encoded}" if encoded else ""
    return {
        "save_url": reverse("community:search_save") + suffix,
        "feed_url": reverse("community:projects_feed") + suffix,
    }


def _current_params(context):
    request = context.get("request")
    if request is None:
        return ""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag(takes_context=True)
def search_feed_url(context):
    """The Atom feed of the current search (for `<link rel="alternate">`)."""
    encoded = _current_params(context)
    return reverse("community:projects_feed") + (f"?{encoded}" if encoded else "")
