"""Account page, profile (own and public), personal data export, account deletion."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalogue.collation import Collated
from catalogue.geography import autocomplete

from .. import near, services
from ..forms import DeleteAccountForm, ProfileForm, commune_label
from ..models import Activity, Comment, JoinRequest, Membership, Profile, Space


@login_required
def account_home(request):
    user = request.user
    profile = services.ensure_profile(user)
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("space")
        .order_by(Collated("space__name"), "space__name")
    )
    return render(
        request,
        "community/account/home.html",
        {
            "profile": profile,
            "memberships": memberships,
            "pending_requests": JoinRequest.objects.filter(
                user=user, status=JoinRequest.Status.PENDING
            ).select_related("space"),
            "recent_comments": Comment.objects.filter(author=user)
            .exclude(status=Comment.Status.DELETED)
            .select_related("page", "discussion__space")
            .order_by("-created_at")[:10],
            "near": near.near_me(user),
            "feed": Activity.objects.visible_to(user)
            .filter(space__in=Space.objects.filter(memberships__user=user))
            .select_related("actor__profile", "space", "target_type")[:15],
        },
    )


@login_required
def profile_edit(request):
    profile = services.ensure_profile(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            form.save()
            messages.success(request, _("Votre profil est à jour."))
            return redirect("community:account")
    else:
        form = ProfileForm(instance=profile)
    return render(request, "community/account/profile_form.html", {"form": form})


def profile_detail(request, slug):
    profile = get_object_or_404(Profile.objects.select_related("user"), slug=slug)
    viewer = request.user
    # Only the spaces the viewer may see: a private membership is itself private content.
    spaces = Space.objects.visible_to(viewer).filter(memberships__user=profile.user)
    comments = (
        Comment.objects.filter(author=profile.user, status=Comment.Status.VISIBLE)
        .filter(page__live=True)
        .select_related("page")
        .order_by("-created_at")[:10]
    )
    discussions_comments = (
        Comment.objects.filter(author=profile.user, status=Comment.Status.VISIBLE)
        .filter(discussion__space__in=Space.objects.visible_to(viewer))
        .select_related("discussion__space")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "community/profile_detail.html",
        {
            "profile": profile,
            "spaces": spaces.order_by(Collated("name"), "name"),
            "comments": sorted(
                [*comments, *discussions_comments], key=lambda c: c.created_at, reverse=True
            )[:10],
            "interests": profile.interests.all(),
        },
    )


@login_required
@require_POST
def export_data(request):
    data = services.export_account_data(request.user)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="carrefour-mes-donnees-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.delete_account(user)
        messages.success(request, _("Votre compte a été supprimé. Au revoir !"))
        return redirect("/")
    return render(request, "community/account/delete.html", {"form": form})


@require_GET
def commune_suggestions(request):
    """Gazetteer suggestions for the commune fields (a datalist filled as one types)."""
    prefix = request.GET.get("q", "")[:60]
    results = [
        {"label": commune_label(c), "insee": c.insee_code, "department": c.department_name}
        for c in autocomplete(prefix, limit=10)
    ]
    return JsonResponse({"results": results})
