"""Follows, the notifications page, delivery settings, one-click unsubscribe, saved searches."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from .. import notify, permissions, searches
from ..emails import read_unsubscribe_token
from ..holder_forms import NotificationSettingsForm, SaveSearchForm
from ..models import Follow, Notification, NotificationSettings, SavedSearch
from ..models.follows import FOLLOWABLE


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- follows ----------------------------------------------------------------------------------


def _followable(kind, pk, user):
    """The object to follow, if it exists and `user` may see it (404 otherwise, never a hint)."""
    if kind not in FOLLOWABLE:
        raise Http404
    app_label, model = FOLLOWABLE[kind].split(".")
    ct = ContentType.objects.get_by_natural_key(app_label, model)
    obj = ct.model_class().objects.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if kind == "projet" and not obj.live:
        raise Http404
    if kind == "espace" and not permissions.can_view_space(user, obj):
        raise Http404
    if kind == "discussion" and not permissions.can_view_space(user, obj.space):
        raise Http404
    return ct, obj


@require_POST
def follow_toggle(request, kind, pk):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.POST.get("next") or "/")
    ct, obj = _followable(kind, pk, request.user)
    fallback = getattr(obj, "url", None) or obj.get_absolute_url()
    existing = Follow.objects.filter(user=request.user, target_type=ct, target_id=obj.pk)
    if request.POST.get("action") == "unfollow" or (
        "action" not in request.POST and existing.exists()
    ):
        existing.delete()
        messages.success(request, _("Vous ne suivez plus « %(title)s ».") % {"title": _label(obj)})
    else:
        Follow.objects.get_or_create(user=request.user, target_type=ct, target_id=obj.pk)
        messages.success(
            request,
            _("Vous suivez « %(title)s » : vous serez notifié·e de ses nouveautés.")
            % {"title": _label(obj)},
        )
    return redirect(_safe_next(request, fallback))


def _label(obj):
    return getattr(obj, "title", None) or getattr(obj, "name", None) or str(obj)


@login_required
def follows(request):
    rows = []
    for follow in Follow.objects.filter(user=request.user).select_related("target_type"):
        target = follow.target
        if target is None:
            continue
        try:
            _followable(follow.kind, follow.target_id, request.user)
        except Http404:
            continue  # left a private space, or the project was unpublished
        rows.append(
            {
                "follow": follow,
                "title": _label(target),
                "url": getattr(target, "url", None) or target.get_absolute_url(),
            }
        )
    return render(
        request,
        "community/notifications/follows.html",
        {
            "rows": rows,
            "saved_searches": SavedSearch.objects.filter(user=request.user),
            "settings_form": NotificationSettingsForm(
                instance=NotificationSettings.for_user(request.user)
            ),
        },
    )


# --- notifications ----------------------------------------------------------------------------


@login_required
def notification_list(request):
    qs = Notification.objects.visible_to(request.user).select_related("space")
    page_obj = Paginator(qs, 30).get_page(request.GET.get("page"))
    items = [n for n in page_obj.object_list if notify.still_relevant(n, request.user)]
    return render(
        request,
        "community/notifications/list.html",
        {"page_obj": page_obj, "items": items, "unread": notify.unread_count(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request, pk):
    """Mark one notification read and go to what it is about."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    if not notify.still_relevant(notification, request.user) or not notification.url:
        return redirect("community:notifications")
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect("community:notifications")
    return redirect(notification.url)


@login_required
@require_POST
def notifications_read_all(request):
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return redirect(_safe_next(request, "/notifications/"))


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    row = NotificationSettings.for_user(request.user)
    form = NotificationSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect(_safe_next(request, "/compte/abonnements/"))
    return render(request, "community/notifications/settings.html", {"form": form})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """One-click unsubscribe from an e-mail, without logging in (RFC 8058 for POST).

    GET shows a confirmation button (link scanners prefetch GETs and must not unsubscribe
    anyone); POST — that button, or the mail client's one-click button — does it. The signed
    token names the member and what to stop, so it needs no CSRF token.
    """
    data = read_unsubscribe_token(token)
    if data is None:
        return render(
            request, "community/notifications/unsubscribe.html", {"invalid": True}, status=400
        )
    user = get_user_model().objects.filter(pk=data[0]).first()
    if user is None:
        return render(
            request, "community/notifications/unsubscribe.html", {"invalid": True}, status=400
        )
    scope = data[1]
    description = _describe_scope(user, scope)
    if request.method == "POST":
        _apply_unsubscribe(user, scope)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(status=200)
        return render(
            request,
            "community/notifications/unsubscribe.html",
            {"done": True, "description": description},
        )
    return render(
        request,
        "community/notifications/unsubscribe.html",
        {"description": description, "token": token},
    )


def _describe_scope(user, scope):
    if scope.startswith("follow:"):
        follow = Follow.objects.filter(user=user, pk=_int(scope[7:])).first()
        if follow and follow.target is not None:
            return _("ne plus suivre « %(title)s »") % {"title": _label(follow.target)}
        return _("ne plus suivre cet élément")
    if scope.startswith("search:"):
        saved = SavedSearch.objects.filter(user=user, pk=_int(scope[7:])).first()
        if saved:
            return _("ne plus recevoir d'alertes pour la recherche « %(name)s »") % {
                "name": saved.name
            }
        return _("ne plus recevoir d'alertes pour cette recherche")
    return _("ne plus recevoir aucun courriel de notification")


def _apply_unsubscribe(user, scope):
    if scope.startswith("follow:"):
        Follow.objects.filter(user=user, pk=_int(scope[7:])).delete()
    elif scope.startswith("search:"):
        SavedSearch.objects.filter(user=user, pk=_int(scope[7:])).update(notify=False)
    else:
        NotificationSettings.objects.update_or_create(
            user=user, defaults={"frequency": NotificationSettings.Frequency.NEVER}
        )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- saved searches ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def search_save(request):
    """GET: confirm saving the search given by the query string (the search form's own
    parameters); POST: save it. Anonymous visitors log in first and come back here."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if request.method == "GET":
        params = request.GET.copy()
        params.pop("page", None)
        query, query_string = searches.canonical(params)
        form = SaveSearchForm(
            initial={"params": query_string, "name": searches.describe(query)[:120]}
        )
    else:
        form = SaveSearchForm(request.POST)
        if form.is_valid():
            saved = searches.save_search(
                request.user, form.cleaned_data["params"], name=form.cleaned_data["name"]
            )
            messages.success(
                request,
                _(
                    "Recherche « %(name)s » enregistrée : les nouveaux projets qui y "
                    "correspondent figureront dans vos notifications."
                )
                % {"name": saved.name},
            )
            return redirect(saved.get_absolute_url())
        query, query_string = searches.canonical(request.POST.get("params", ""))
    suffix = f"?{query_string}" if query_string else ""
    return render(
        request,
        "community/notifications/save_search.html",
        {
            "form": form,
            "description": searches.describe(query),
            "search_url": "/projets/" + suffix,
            "feed_url": reverse("community:projects_feed") + suffix,
        },
    )


@login_required
@require_POST
def search_delete(request, pk):
    SavedSearch.objects.filter(user=request.user, pk=pk).delete()
    messages.success(request, _("La recherche enregistrée a été supprimée."))
    return redirect(_safe_next(request, "/compte/abonnements/"))


@login_required
@require_POST
def search_alerts(request, pk):
    saved = get_object_or_404(SavedSearch, user=request.user, pk=pk)
    saved.notify = request.POST.get("notify") == "1"
    if saved.notify:
        saved.last_checked_at = timezone.now()
    saved.save(update_fields=["notify", "last_checked_at"])
    return redirect(_safe_next(request, "/compte/abonnements/"))
