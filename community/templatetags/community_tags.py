"""Template tags: `{% comments_for target %}` renders a page's or discussion's comment thread."""

from django import template
from django.db.models import Count, Q

from .. import conf, permissions
from ..forms import HONEYPOT_FIELD, CommentForm
from ..models import Comment, CommentReport, Discussion
from ..models.accounts import display_name_for, role_label_for

register = template.Library()


@register.filter
def member_name(user):
    """The public name of a user ("compte supprimé" once the account is gone)."""
    return display_name_for(user)


@register.filter
def member_role(user):
    """ "administration du site" / "équipe éditoriale" for staff, "" for members."""
    return role_label_for(user)


@register.filter
def is_honeypot(field):
    return getattr(field, "name", "") == HONEYPOT_FIELD


def _annotate(comment, user, *, can_comment, max_depth, holder_page, holders, moderator):
    comment.can_edit = permissions.can_edit_comment(user, comment)
    comment.can_delete = permissions.can_delete_comment(user, comment)
    comment.can_report = permissions.can_report_comment(user, comment)
    comment.can_moderate = moderator
    comment.can_reply = can_comment and comment.is_visible and comment.depth < max_depth
    comment.show_body = comment.is_visible or (moderator and comment.is_hidden)
    comment.is_holder = False
    if holder_page is not None and comment.author_id:
        if comment.author_id not in holders:
            holders[comment.author_id] = permissions.is_project_holder(comment.author, holder_page)
        comment.is_holder = holders[comment.author_id]


@register.inclusion_tag("community/includes/comments.html", takes_context=True)
def comments_for(context, target):
    """The thread under a project page, an article or a discussion, with the viewer's actions."""
    request = context.get("request")
    user = getattr(request, "user", None)
    is_discussion = isinstance(target, Discussion)
    empty = {"visible": False}
    if user is None or not permissions.can_view_target(user, target):
        return empty
    if not is_discussion and not permissions.is_commentable_page(target):
        return empty
    comments = Comment.objects.select_related("author__profile")
    comments = (
        comments.filter(discussion=target) if is_discussion else comments.filter(page_id=target.pk)
    )
    moderator = False
    if is_discussion:
        moderator = permissions.can_moderate_space(user, target.space)
    elif permissions.is_editor(user):
        moderator = True
    if moderator:
        comments = comments.annotate(
            open_reports=Count("reports", filter=Q(reports__status=CommentReport.Status.OPEN))
        )
    comments = list(comments.order_by("created_at", "id"))
    can_comment = permissions.can_comment_on(user, target)
    max_depth = conf.get("COMMUNITY_COMMENT_MAX_DEPTH")
    holders = {}
    children = {}
    for comment in comments:
        _annotate(
            comment,
            user,
            can_comment=can_comment,
            max_depth=max_depth,
            holder_page=None if is_discussion else target,
            holders=holders,
            moderator=moderator,
        )
        children.setdefault(comment.parent_id, []).append(comment)
    for comment in comments:
        comment.children = children.get(comment.pk, [])
    return {
        "visible": True,
        "request": request,
        "user": user,
        "target": target,
        "target_type": "discussion" if is_discussion else "page",
        "roots": children.get(None, []),
        "count": sum(1 for c in comments if c.is_visible),
        "can_comment": can_comment,
        "is_verified": permissions.is_verified_member(user),
        "locked": is_discussion and target.locked,
        "is_discussion": is_discussion,
        "form": CommentForm(auto_id="id_comment_%s"),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request else "",
    }


@register.filter
def community_text(value):
    """Member-written plain text → sanitised paragraphs and links."""
    from django.utils.safestring import mark_safe

    from ..rendering import render_text

    return mark_safe(render_text(value))  # noqa: S308 - render_text escapes, then nh3 cleans
