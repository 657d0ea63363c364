"""Comment actions: post, edit (15 minutes), delete (soft), report, moderate (front end).

A comment the viewer may not see answers 404 (private space content); one they may see but not
act on answers 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from .. import permissions, services
from ..forms import CommentForm, ReportForm
from ..models import Comment, Discussion, ModerationAction


def _target(request, target_type, target_id):
    """The page or discussion a comment is posted on, or 404 when the viewer cannot see it."""
    try:
        target_id = int(target_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if target_type == "discussion":
        target = get_object_or_404(Discussion.objects.select_related("space"), pk=target_id)
    elif target_type == "page":
        target = get_object_or_404(Page.objects.live(), pk=target_id).specific
        if not permissions.is_commentable_page(target):
            raise Http404
    else:
        raise Http404
    if not permissions.can_view_target(request.user, target):
        raise Http404
    return target


def _target_url(target):
    return target.get_absolute_url() if isinstance(target, Discussion) else target.url


def _visible_comment(request, pk):
    comment = get_object_or_404(
        Comment.objects.select_related("page", "discussion__space", "author__profile"), pk=pk
    )
    if not permissions.can_view_comment(request.user, comment):
        raise Http404
    return comment


def _reply_parent(request, target):
    """The comment replied to: 404 unless the viewer sees it on this very target, so that a
    reply cannot tell a private comment (403) from a missing one (404)."""
    try:
        parent = _visible_comment(request, int(request.POST["parent"]))
    except (TypeError, ValueError):
        raise Http404 from None
    if isinstance(target, Discussion):
        same_target = parent.discussion_id == target.pk
    else:
        same_target = parent.page_id == target.pk
    if not same_target or not parent.is_visible:
        raise Http404
    return parent


@login_required
@require_POST
def comment_post(request):
    target = _target(request, request.POST.get("target_type"), request.POST.get("target_id"))
    if not permissions.can_comment_on(request.user, target):
        raise PermissionDenied
    parent = None
    if request.POST.get("parent"):
        parent = _reply_parent(request, target)
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            comment = services.post_comment(
                request.user, target, form.cleaned_data["body"], parent=parent
            )
        except services.PostingLimit as err:
            form.add_error("body", err)
            status = 429
        except ValidationError as err:
            form.add_error("body", err)
        else:
            messages.success(request, _("Votre commentaire est publié."))
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "community/comment_form.html",
        {
            "form": form,
            "target": target,
            "target_url": _target_url(target),
            "target_type": "discussion" if isinstance(target, Discussion) else "page",
            "parent": parent,
            "mode": "post",
        },
        status=status,
    )


@login_required
def comment_edit(request, pk):
    comment = _visible_comment(request, pk)
    if not permissions.can_edit_comment(request.user, comment):
        raise PermissionDenied
    form = CommentForm(
        request.POST if request.method == "POST" else None, initial={"body": comment.body}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_comment(request.user, comment, form.cleaned_data["body"])
            except services.PostingLimit as err:
                form.add_error("body", err)
                status = 429
            except ValidationError as err:
                form.add_error("body", err)
            else:
                messages.success(request, _("Votre commentaire est modifié."))
                return redirect(comment.get_absolute_url())
    return render(
        request,
        "community/comment_form.html",
        {
            "form": form,
            "comment": comment,
            "target": comment.target,
            "target_url": comment.target_url(),
            "mode": "edit",
        },
        status=status,
    )


@login_required
def comment_delete(request, pk):
    comment = _visible_comment(request, pk)
    if not permissions.can_delete_comment(request.user, comment):
        raise PermissionDenied
    if request.method == "POST":
        services.delete_comment(request.user, comment)
        messages.success(request, _("Votre commentaire est supprimé."))
        return redirect(comment.get_absolute_url())
    return render(
        request,
        "community/comment_delete.html",
        {"comment": comment, "target_url": comment.target_url()},
    )


@login_required
def comment_report(request, pk):
    comment = _visible_comment(request, pk)
    if not permissions.can_report_comment(request.user, comment):
        raise PermissionDenied
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.report_comment(
            request.user, comment, form.cleaned_data["reason"], form.cleaned_data["message"]
        )
        messages.success(
            request, _("Merci : votre signalement est transmis à l'équipe de modération.")
        )
        return redirect(comment.get_absolute_url())
    return render(
        request,
        "community/comment_report.html",
        {"form": form, "comment": comment, "target_url": comment.target_url()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def comment_moderate(request, pk):
    """Space moderators (and editors) hide, restore or dismiss reports from the front end."""
    comment = get_object_or_404(Comment.objects.select_related("page", "discussion__space"), pk=pk)
    can_see = permissions.can_view_comment(request.user, comment)
    if not can_see and not permissions.is_editor(request.user):
        raise Http404
    if not permissions.can_moderate_comment(request.user, comment):
        raise PermissionDenied
    action = request.POST.get("action")
    if action not in ModerationAction.Action.values:
        raise PermissionDenied
    try:
        services.moderate_comment(
            request.user, comment, action, via="site", note=request.POST.get("note", "")
        )
    except ValidationError as err:
        messages.error(request, err.messages[0])
    else:
        messages.success(request, _("Décision enregistrée."))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(comment.get_absolute_url())
