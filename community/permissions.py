"""Who may do what in the community. Views and querysets call these; templates only mirror them.

Roles: anonymous visitor; member (logged in with a verified email); space member / moderator
(`Membership`); editor (Wagtail staff with the community model permissions, or superuser).
"""

from django.utils import timezone

from . import conf


def is_project_holder(user, page):
    """True when `user` is an approved holder of the project `page` (badge "porteur du projet").

    An editor's approval of the member's claim (`community.holders.decide_claim`) makes it so.
    """
    if user is None or page is None or not user.is_authenticated or not user.is_active:
        return False
    from .models import ProjectClaim

    return ProjectClaim.objects.filter(
        user=user, project_id=page.pk, status=ProjectClaim.Status.APPROVED
    ).exists()


def is_verified_member(user):
    """Logged in and owns at least one verified email address (superusers always qualify)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_community_verified", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._community_verified = cached
    return cached


def is_editor(user):
    """Editors moderate every comment and feature spaces from the Wagtail admin."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.has_perm("community.change_comment")


# --- spaces -----------------------------------------------------------------------------------


def membership(user, space):
    if user is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_community_memberships", {})
    if space.pk not in cache:
        cache[space.pk] = space.memberships.filter(user=user).first()
    return cache[space.pk]


def forget_membership(user, space):
    getattr(user, "_community_memberships", {}).pop(space.pk, None)


def is_space_member(user, space):
    return membership(user, space) is not None


def is_space_moderator(user, space):
    m = membership(user, space)
    return m is not None and m.is_moderator


def can_view_space(user, space):
    return not space.is_private or is_space_member(user, space)


def can_post_in_space(user, space):
    """Members of the space with a verified email start discussions and reply."""
    return is_verified_member(user) and is_space_member(user, space)


def can_moderate_space(user, space):
    return is_verified_member(user) and is_space_moderator(user, space)


def can_create_space(user):
    return is_verified_member(user)


# --- comments ---------------------------------------------------------------------------------


def is_commentable_page(page):
    """Members comment on live project pages and news articles."""
    from catalogue.models import ArticlePage, ProjectPage

    return isinstance(page, ProjectPage | ArticlePage) and page.live


def can_view_target(user, target):
    """Pages: live ones; discussions: those of spaces the user may view."""
    from .models import Discussion

    if isinstance(target, Discussion):
        return can_view_space(user, target.space)
    return bool(getattr(target, "live", False))


def can_comment_on(user, target):
    from .models import Discussion

    if isinstance(target, Discussion):
        return can_post_in_space(user, target.space) and not target.locked
    return is_verified_member(user) and is_commentable_page(target)


def can_view_comment(user, comment):
    return can_view_target(user, comment.target)


def _within_edit_window(created_at, now=None):
    return (now or timezone.now()) <= created_at + conf.get("COMMUNITY_COMMENT_EDIT_WINDOW")


def can_edit_comment(user, comment, now=None):
    if user is None or not user.is_authenticated or comment.author_id != user.pk:
        return False
    if not comment.is_visible or not _within_edit_window(comment.created_at, now):
        return False
    return can_view_comment(user, comment)


def can_edit_discussion(user, discussion, now=None):
    """The author corrects the opening message within the comments' edit window, while the
    thread is open and they still belong to the space."""
    if user is None or not user.is_authenticated or discussion.author_id != user.pk:
        return False
    if discussion.locked or not _within_edit_window(discussion.created_at, now):
        return False
    return can_post_in_space(user, discussion.space)


def can_delete_comment(user, comment):
    if user is None or not user.is_authenticated or comment.author_id != user.pk:
        return False
    return not comment.is_deleted and can_view_comment(user, comment)


def can_report_comment(user, comment):
    return (
        is_verified_member(user)
        and comment.author_id != user.pk
        and comment.is_visible
        and can_view_comment(user, comment)
    )


def can_moderate_comment(user, comment):
    """Editors moderate everything; space moderators moderate their space's discussions."""
    if is_editor(user):
        return True
    space = comment.space
    return space is not None and can_moderate_space(user, space)
