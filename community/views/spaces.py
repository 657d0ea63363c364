"""Spaces: directory, page, creation and settings, membership, invitations, discussions.

Every view resolves its space through `_space_or_404`, so a private space answers 404 to
non-members (its name never leaks), and moderator tools answer 403 to other members.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue.collation import Collated
from catalogue.models import ProjectPage, TaxonomyGroup

from .. import permissions, services
from ..activity import feed_for_space
from ..forms import DiscussionForm, JoinRequestForm, SpaceForm
from ..models import (
    Comment,
    CommentReport,
    Discussion,
    Invitation,
    JoinRequest,
    Membership,
    Space,
)


def _space_or_404(request, slug):
    space = get_object_or_404(Space, slug=slug)
    if not permissions.can_view_space(request.user, space):
        raise Http404
    return space


def _moderated_space(request, slug):
    space = _space_or_404(request, slug)
    if not permissions.can_moderate_space(request.user, space):
        raise PermissionDenied
    return space


def _require_verified(request):
    if not permissions.is_verified_member(request.user):
        raise PermissionDenied(_("Vérifiez d'abord votre adresse e-mail."))


def space_list(request):
    spaces = (
        Space.objects.visible_to(request.user)
        .annotate(member_count=Count("memberships", distinct=True))
        .prefetch_related("themes")
        .order_by("-featured", Collated("name"), "name")
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        spaces = spaces.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(territory_name__icontains=query)
        )
    theme = request.GET.get("theme", "")
    if theme:
        spaces = spaces.filter(themes__slug=theme)
    page = Paginator(spaces, 20).get_page(request.GET.get("page"))
    mine = set()
    if request.user.is_authenticated:
        mine = set(Membership.objects.filter(user=request.user).values_list("space_id", flat=True))
    return render(
        request,
        "community/space_list.html",
        {
            "page_obj": page,
            "spaces": page.object_list,
            "query": query,
            "theme": theme,
            "themes": TaxonomyGroup.objects.order_by("family", "sort_order"),
            "my_space_ids": mine,
            "can_create": permissions.can_create_space(request.user),
        },
    )


@login_required
def space_create(request):
    _require_verified(request)
    form = SpaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        space = services.create_space(request.user, **form.space_fields())
        messages.success(request, _("Votre espace est créé : vous en êtes le modérateur."))
        return redirect(space)
    return render(request, "community/space_form.html", {"form": form, "space": None})


def space_detail(request, slug):
    space = _space_or_404(request, slug)
    user = request.user
    membership = permissions.membership(user, space)
    is_moderator = permissions.can_moderate_space(user, space)
    discussions = (
        space.discussions.select_related("author__profile")
        .annotate(reply_count=Count("comments", filter=Q(comments__status=Comment.Status.VISIBLE)))
        .order_by("-pinned", "-last_activity_at")
    )
    context = {
        "space": space,
        "membership": membership,
        "is_moderator": is_moderator,
        "can_post": permissions.can_post_in_space(user, space),
        "can_join": (
            not membership and not space.is_private and permissions.is_verified_member(user)
        ),
        "moderators": space.moderators(),
        "members": space.memberships.select_related("user__profile").order_by("joined_at")[:48],
        "member_count": space.memberships.count(),
        "discussions": discussions[:30],
        "projects": space.projects.live().specific().order_by(Collated("title"), "title")[:24],
        "feed": feed_for_space(space, user),
        "themes": space.themes.all(),
    }
    if is_moderator:
        context["pending_count"] = space.join_requests.filter(
            status=JoinRequest.Status.PENDING
        ).count()
        context["open_reports"] = CommentReport.objects.filter(
            comment__discussion__space=space, status=CommentReport.Status.OPEN
        ).count()
    return render(request, "community/space_detail.html", context)


@login_required
def space_edit(request, slug):
    space = _moderated_space(request, slug)
    form = SpaceForm(request.POST if request.method == "POST" else None, instance=space)
    if request.method == "POST" and form.is_valid():
        services.update_space(request.user, space, **form.space_fields())
        messages.success(request, _("L'espace est à jour."))
        return redirect(space)
    # An invalid form has touched the instance in memory: show the stored space around it.
    stored = Space.objects.get(pk=space.pk)
    return render(request, "community/space_form.html", {"form": form, "space": stored})


@login_required
@require_POST
def space_join(request, slug):
    space = _space_or_404(request, slug)
    if space.is_private:
        # Members only reach here; others got 404 above. Private spaces are joined by link.
        messages.info(request, _("Vous êtes déjà membre de cet espace."))
        return redirect(space)
    services.join_public_space(request.user, space)
    messages.success(request, _("Bienvenue dans l'espace « %(name)s ».") % {"name": space.name})
    return redirect(space)


@login_required
@require_POST
def space_leave(request, slug):
    space = _space_or_404(request, slug)
    services.leave_space(request.user, space)
    messages.success(request, _("Vous avez quitté l'espace."))
    return redirect("community:space_list" if space.is_private else space.get_absolute_url())


@login_required
def space_members(request, slug):
    space = _space_or_404(request, slug)
    if not permissions.is_space_member(request.user, space) and space.is_private:
        raise Http404
    is_moderator = permissions.can_moderate_space(request.user, space)
    if request.method == "POST":
        if not is_moderator:
            raise PermissionDenied
        membership = get_object_or_404(Membership, space=space, pk=request.POST.get("membership"))
        action = request.POST.get("action")
        if action == "promote":
            services.set_member_role(request.user, membership, Membership.Role.MODERATOR)
        elif action == "demote":
            services.set_member_role(request.user, membership, Membership.Role.MEMBER)
        elif action == "remove":
            services.remove_member(request.user, membership)
        else:
            raise PermissionDenied
        messages.success(request, _("Les membres sont à jour."))
        return redirect("community:space_members", slug=space.slug)
    return render(
        request,
        "community/space_members.html",
        {
            "space": space,
            "is_moderator": is_moderator,
            "memberships": space.memberships.select_related("user__profile").order_by(
                "-role", "joined_at"
            ),
        },
    )


@login_required
def space_requests(request, slug):
    space = _moderated_space(request, slug)
    if request.method == "POST":
        join_request = get_object_or_404(JoinRequest, space=space, pk=request.POST.get("request"))
        approve = request.POST.get("action") == "approve"
        services.decide_join_request(request.user, join_request, approve)
        messages.success(request, _("Demande acceptée.") if approve else _("Demande refusée."))
        return redirect("community:space_requests", slug=space.slug)
    return render(
        request,
        "community/space_requests.html",
        {
            "space": space,
            "join_requests": space.join_requests.filter(status=JoinRequest.Status.PENDING)
            .select_related("user__profile")
            .order_by("created_at"),
        },
    )


@login_required
def space_invitations(request, slug):
    space = _moderated_space(request, slug)
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            invitation = get_object_or_404(
                Invitation, space=space, pk=request.POST.get("invitation")
            )
            services.revoke_invitation(request.user, invitation)
            messages.success(request, _("Le lien est révoqué : il ne fonctionne plus."))
        else:
            services.create_invitation(
                request.user, space, requires_approval=request.POST.get("kind") == "request"
            )
            messages.success(request, _("Nouveau lien créé."))
        return redirect("community:space_invitations", slug=space.slug)
    return render(
        request,
        "community/space_invitations.html",
        {
            "space": space,
            "invitations": space.invitations.filter(revoked_at__isnull=True),
            "revoked": space.invitations.filter(revoked_at__isnull=False)[:10],
        },
    )


def invitation(request, token):
    """Follow an invitation link. The token is the secret: holders see the space's name."""
    invitation = get_object_or_404(Invitation.objects.select_related("space"), token=token)
    if not invitation.is_valid:
        raise Http404
    space = invitation.space
    form = JoinRequestForm(request.POST if request.method == "POST" else None)
    if request.user.is_authenticated and permissions.is_space_member(request.user, space):
        return redirect(space)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        _require_verified(request)
        if form.is_valid():
            result = services.accept_invitation(
                request.user, invitation, message=form.cleaned_data["message"]
            )
            if isinstance(result, JoinRequest):
                messages.success(
                    request,
                    _("Votre demande est envoyée aux modérateurs de l'espace."),
                )
                return redirect("community:account")
            messages.success(
                request, _("Bienvenue dans l'espace « %(name)s ».") % {"name": space.name}
            )
            return redirect(space)
    pending = (
        request.user.is_authenticated
        and JoinRequest.objects.filter(
            space=space, user=request.user, status=JoinRequest.Status.PENDING
        ).exists()
    )
    return render(
        request,
        "community/invitation.html",
        {"invitation": invitation, "space": space, "form": form, "pending": pending},
    )


@login_required
def space_projects(request, slug):
    space = _moderated_space(request, slug)
    if request.method == "POST":
        project = get_object_or_404(ProjectPage.objects.live(), pk=request.POST.get("project"))
        if request.POST.get("action") == "unlink":
            services.unlink_project(request.user, space, project)
            messages.success(request, _("L'espace ne suit plus ce projet."))
        else:
            services.link_project(request.user, space, project)
            messages.success(request, _("L'espace suit désormais ce projet."))
        return redirect("community:space_projects", slug=space.slug)
    query = request.GET.get("q", "").strip()[:100]
    results = []
    if query:
        results = (
            ProjectPage.objects.live()
            .filter(Q(title__icontains=query) | Q(city__icontains=query))
            .exclude(pk__in=space.projects.values("pk"))
            .order_by(Collated("title"), "title")[:20]
        )
    return render(
        request,
        "community/space_projects.html",
        {
            "space": space,
            "query": query,
            "results": results,
            "linked": space.projects.live().order_by(Collated("title"), "title"),
        },
    )


@login_required
def space_moderation(request, slug):
    """The space moderators' queue: open reports on their discussions, hidden comments."""
    space = _moderated_space(request, slug)
    comments = Comment.objects.filter(discussion__space=space).select_related(
        "author__profile", "discussion"
    )
    return render(
        request,
        "community/space_moderation.html",
        {
            "space": space,
            "reported": comments.filter(reports__status=CommentReport.Status.OPEN)
            .annotate(report_count=Count("reports"))
            .prefetch_related("reports")
            .distinct(),
            "hidden": comments.filter(status=Comment.Status.HIDDEN),
        },
    )


# --- discussions ------------------------------------------------------------------------------


@login_required
def discussion_create(request, slug):
    space = _space_or_404(request, slug)
    if not permissions.can_post_in_space(request.user, space):
        raise PermissionDenied
    form = DiscussionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            discussion = services.start_discussion(
                request.user,
                space,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except services.PostingLimit as err:
            form.add_error(None, err)
            status = 429
        else:
            messages.success(request, _("Votre discussion est publiée."))
            return redirect(discussion)
    return render(
        request, "community/discussion_form.html", {"space": space, "form": form}, status=status
    )


@login_required
def discussion_edit(request, slug, pk):
    space = _space_or_404(request, slug)
    discussion = get_object_or_404(Discussion, space=space, pk=pk)
    if not permissions.can_edit_discussion(request.user, discussion):
        raise PermissionDenied
    form = DiscussionForm(
        request.POST if request.method == "POST" else None,
        initial={"title": discussion.title, "body": discussion.body},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_discussion(
                    request.user,
                    discussion,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except services.PostingLimit as err:
                form.add_error(None, err)
                status = 429
            except ValidationError as err:
                form.add_error("body", err)
            else:
                messages.success(request, _("Votre discussion est modifiée."))
                return redirect(discussion)
    return render(
        request,
        "community/discussion_form.html",
        {"space": space, "form": form, "discussion": discussion},
        status=status,
    )


def discussion_detail(request, slug, pk):
    space = _space_or_404(request, slug)
    discussion = get_object_or_404(
        Discussion.objects.select_related("author__profile"), space=space, pk=pk
    )
    return render(
        request,
        "community/discussion_detail.html",
        {
            "space": space,
            "discussion": discussion,
            "is_moderator": permissions.can_moderate_space(request.user, space),
            "can_edit": permissions.can_edit_discussion(request.user, discussion),
        },
    )


@login_required
@require_POST
def discussion_options(request, slug, pk):
    space = _moderated_space(request, slug)
    discussion = get_object_or_404(Discussion, space=space, pk=pk)
    option = request.POST.get("option")
    flags = {
        "pin": {"pinned": True},
        "unpin": {"pinned": False},
        "lock": {"locked": True},
        "unlock": {"locked": False},
    }
    if option not in flags:
        raise PermissionDenied
    try:
        services.set_discussion_flags(request.user, discussion, **flags[option])
    except ValidationError as err:  # pragma: no cover - defensive
        messages.error(request, err.messages[0])
    else:
        messages.success(request, _("La discussion est à jour."))
    return redirect(discussion)
