"""Community write operations: the views call these, tests exercise them directly.

Each function checks its own permission (raising `PermissionDenied`) so that no caller can skip
a rule. Extension points for other community modules:

- `account_deleting` signal: sent inside `delete_account`'s transaction, before the user row
  goes; receivers remove or anonymise their own rows about the user.
- `export_section(name)` decorator: registers `fn(user) -> JSON-able` whose result is added under
  `name` to the personal data export.
"""

import logging

from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf, permissions
from .activity import Verb, record
from .models import (
    Activity,
    Comment,
    CommentReport,
    Discussion,
    Invitation,
    JoinRequest,
    Membership,
    ModerationAction,
    Notification,
    Profile,
    Space,
)
from .notify import notify
from .rendering import find_links

logger = logging.getLogger(__name__)

account_deleting = Signal()  # sender=User class, user=<the user being deleted>
_EXPORT_SECTIONS = {}


class PostingLimit(ValidationError):
    """Too many posts in the window, or too many links for a new account."""


# --- profiles ---------------------------------------------------------------------------------


def ensure_profile(user, display_name=""):
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        profile = Profile.objects.create(
            user=user, display_name=display_name or user.get_full_name() or _("Membre")
        )
    elif display_name and profile.display_name != display_name:
        profile.display_name = display_name
        profile.save(update_fields=["display_name", "updated_at"])
    return profile


# --- posting limits ---------------------------------------------------------------------------


def _is_new_account(user, now):
    return now - user.date_joined < conf.get("COMMUNITY_NEW_ACCOUNT_AGE")


def check_posting_limits(user, text, now=None):
    """Raise `PostingLimit` when `user` may not post `text` now (rate and link limits)."""
    now = now or timezone.now()
    new = _is_new_account(user, now)
    limit, window = conf.get(
        "COMMUNITY_NEW_ACCOUNT_COMMENT_RATE" if new else "COMMUNITY_COMMENT_RATE"
    )
    since = now - window
    recent = (
        Comment.objects.filter(author=user, created_at__gte=since).count()
        + Discussion.objects.filter(author=user, created_at__gte=since).count()
    )
    if recent >= limit:
        minutes = int(window.total_seconds() // 60)
        raise PostingLimit(
            _(
                "Vous avez publié %(count)d messages en moins de %(minutes)d minutes : "
                "patientez un peu avant de publier à nouveau."
            )
            % {"count": recent, "minutes": minutes},
            code="rate_limit",
        )
    if new:
        max_links = conf.get("COMMUNITY_NEW_ACCOUNT_MAX_LINKS")
        links = len(find_links(text))
        if links:
            first_day = Q(created_at__gte=user.date_joined)
            earlier = sum(
                len(find_links(body))
                for body in list(
                    Comment.objects.filter(first_day, author=user).values_list("body", flat=True)
                )
                + list(
                    Discussion.objects.filter(first_day, author=user).values_list("body", flat=True)
                )
            )
            if earlier + links > max_links:
                raise PostingLimit(
                    _(
                        "Les nouveaux comptes peuvent publier au plus %(max)d lien(s) pendant "
                        "leur premier jour : retirez les liens de votre message ou réessayez "
                        "demain."
                    )
                    % {"max": max_links},
                    code="link_limit",
                )


# --- spaces -----------------------------------------------------------------------------------


@transaction.atomic
def create_space(
    user,
    *,
    name,
    description="",
    visibility=Space.Visibility.PUBLIC,
    themes=(),
    insee_code="",
    territory_name="",
):
    if not permissions.can_create_space(user):
        raise PermissionDenied
    space = Space.objects.create(
        name=name,
        description=description,
        visibility=visibility,
        insee_code=insee_code,
        territory_name=territory_name,
        created_by=user,
    )
    if themes:
        space.themes.set(themes)
    Membership.objects.create(space=space, user=user, role=Membership.Role.MODERATOR)
    permissions.forget_membership(user, space)
    record(user, Verb.SPACE_CREATED, space, space=space)
    return space


def _add_member(user, space):
    membership, created = Membership.objects.get_or_create(space=space, user=user)
    permissions.forget_membership(user, space)
    if created:
        JoinRequest.objects.filter(
            space=space, user=user, status=JoinRequest.Status.PENDING
        ).delete()
        record(user, Verb.JOINED, space, space=space)
    return membership


def join_public_space(user, space):
    if space.is_private or not permissions.is_verified_member(user):
        raise PermissionDenied
    return _add_member(user, space)


def _file_join_request(user, space, message):
    existing = JoinRequest.objects.filter(
        space=space, user=user, status=JoinRequest.Status.PENDING
    ).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(space=space, user=user, message=message)
    except IntegrityError:
        return JoinRequest.objects.get(space=space, user=user, status=JoinRequest.Status.PENDING)
    _tell_moderators_of(join_request)
    return join_request


def _tell_moderators_of(join_request):
    """Moderators hear of a request at once (it waits on them), in the site and by e-mail."""
    space = join_request.space
    title = _("%(name)s demande à rejoindre l'espace « %(space)s »") % {
        "name": join_request.user.profile.display_name,
        "space": space.name,
    }
    for membership in space.moderators():
        notify(
            membership.user,
            Notification.Kind.JOIN_REQUESTED,
            title=title,
            body=join_request.message,
            url=reverse("community:space_requests", kwargs={"slug": space.slug}),
            actor=join_request.user,
            space=space,
            dedupe_key=f"join-request:{join_request.pk}",
            transactional=True,
        )


@transaction.atomic
def decide_join_request(moderator, join_request, approve):
    if not permissions.can_moderate_space(moderator, join_request.space):
        raise PermissionDenied
    if join_request.status != JoinRequest.Status.PENDING:
        return join_request
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.REJECTED
    join_request.decided_by = moderator
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        _add_member(join_request.user, join_request.space)
    _tell_requester_of(join_request)
    return join_request


def _tell_requester_of(join_request):
    """The member is told either way; a refusal links nowhere inside the private space."""
    space = join_request.space
    approved = join_request.status == JoinRequest.Status.APPROVED
    if approved:
        title = _("Votre demande est acceptée : bienvenue dans l'espace « %(space)s »")
    else:
        title = _("Votre demande pour rejoindre l'espace « %(space)s » n'a pas été acceptée")
    notify(
        join_request.user,
        Notification.Kind.JOIN_DECIDED,
        title=title % {"space": space.name},
        url=space.get_absolute_url() if approved else reverse("community:space_list"),
        dedupe_key=f"join-request:{join_request.pk}:{join_request.status}",
        transactional=True,
    )


def create_invitation(moderator, space, *, requires_approval=False, expires_at=None):
    if not permissions.can_moderate_space(moderator, space):
        raise PermissionDenied
    return Invitation.objects.create(
        space=space,
        created_by=moderator,
        requires_approval=requires_approval,
        expires_at=expires_at,
    )


def revoke_invitation(moderator, invitation):
    if not permissions.can_moderate_space(moderator, invitation.space):
        raise PermissionDenied
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def accept_invitation(user, invitation, message=""):
    """Follow an invitation link: join at once, or file a join request when it needs approval.

    Returns the `Membership` or the pending `JoinRequest`.
    """
    if not invitation.is_valid or not permissions.is_verified_member(user):
        raise PermissionDenied
    space = invitation.space
    if permissions.is_space_member(user, space):
        return permissions.membership(user, space)
    Invitation.objects.filter(pk=invitation.pk).update(uses=models.F("uses") + 1)
    if invitation.requires_approval:
        return _file_join_request(user, space, message)
    return _add_member(user, space)


@transaction.atomic
def leave_space(user, space):
    membership = permissions.membership(user, space)
    if membership is None:
        return
    membership.delete()
    permissions.forget_membership(user, space)
    _ensure_moderator(space)


def _ensure_moderator(space):
    """A space whose last moderator left gets its longest-standing member as moderator."""
    if space.memberships.filter(role=Membership.Role.MODERATOR).exists():
        return
    heir = space.memberships.order_by("joined_at", "pk").first()
    if heir is not None:
        heir.role = Membership.Role.MODERATOR
        heir.save(update_fields=["role"])


def set_member_role(moderator, membership, role):
    if not permissions.can_moderate_space(moderator, membership.space):
        raise PermissionDenied
    membership.role = role
    membership.save(update_fields=["role"])
    _ensure_moderator(membership.space)
    return membership


def remove_member(moderator, membership):
    if not permissions.can_moderate_space(moderator, membership.space):
        raise PermissionDenied
    space = membership.space
    membership.delete()
    _ensure_moderator(space)


def update_space(moderator, space, **fields):
    if not permissions.can_moderate_space(moderator, space):
        raise PermissionDenied
    themes = fields.pop("themes", None)
    for name, value in fields.items():
        setattr(space, name, value)
    space.save()
    if themes is not None:
        space.themes.set(themes)
    return space


def link_project(moderator, space, project):
    if not permissions.can_moderate_space(moderator, space) or not project.live:
        raise PermissionDenied
    if not space.projects.filter(pk=project.pk).exists():
        space.projects.add(project)
        record(moderator, Verb.PROJECT_LINKED, project, space=space)


def unlink_project(moderator, space, project):
    if not permissions.can_moderate_space(moderator, space):
        raise PermissionDenied
    space.projects.remove(project)


# --- discussions ------------------------------------------------------------------------------


@transaction.atomic
def start_discussion(user, space, *, title, body, now=None):
    if not permissions.can_post_in_space(user, space):
        raise PermissionDenied
    check_posting_limits(user, f"{title}\n{body}", now=now)
    discussion = Discussion.objects.create(space=space, title=title, body=body, author=user)
    record(user, Verb.DISCUSSION_STARTED, discussion, space=space)
    return discussion


def edit_discussion(user, discussion, *, title, body, now=None):
    if not permissions.can_edit_discussion(user, discussion, now=now):
        raise PermissionDenied
    body = _max_length_check(body)
    _check_added_links(user, f"{discussion.title}\n{discussion.body}", f"{title}\n{body}", now)
    discussion.title = title
    discussion.body = body
    discussion.edited_at = now or timezone.now()
    discussion.save(update_fields=["title", "body", "body_html", "edited_at"])
    return discussion


def set_discussion_flags(moderator, discussion, *, pinned=None, locked=None):
    if not permissions.can_moderate_space(moderator, discussion.space):
        raise PermissionDenied
    if pinned is not None:
        discussion.pinned = pinned
    if locked is not None:
        discussion.locked = locked
    discussion.save(update_fields=["pinned", "locked"])
    return discussion


# --- comments ---------------------------------------------------------------------------------


def _max_length_check(body):
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Le commentaire est vide."), code="empty")
    if len(body) > conf.get("COMMUNITY_COMMENT_MAX_LENGTH"):
        raise ValidationError(_("Le commentaire est trop long."), code="too_long")
    return body


@transaction.atomic
def post_comment(user, target, body, parent=None, now=None):
    """Post on a page or discussion; replies nest up to the depth limit, then attach as siblings."""
    if not permissions.can_comment_on(user, target):
        raise PermissionDenied
    body = _max_length_check(body)
    is_discussion = isinstance(target, Discussion)
    if parent is not None:
        same_target = (
            parent.discussion_id == target.pk if is_discussion else parent.page_id == target.pk
        )
        if not same_target or not parent.is_visible:
            raise PermissionDenied
        max_depth = conf.get("COMMUNITY_COMMENT_MAX_DEPTH")
        while parent.depth >= max_depth:
            parent = parent.parent
    check_posting_limits(user, body, now=now)
    comment = Comment(
        author=user,
        body=body,
        parent=parent,
        depth=(parent.depth + 1) if parent else 1,
        created_at=now or timezone.now(),
    )
    if is_discussion:
        comment.discussion = target
    else:
        comment.page = target
    comment.save()
    if is_discussion:
        Discussion.objects.filter(pk=target.pk).update(last_activity_at=comment.created_at)
    record(user, Verb.COMMENTED, comment, space=target.space if is_discussion else None)
    return comment


def _check_added_links(user, before, after, now=None):
    """Editing must not slip links past the new-account limit: the links an edit adds are
    checked as if they were posted now."""
    if not _is_new_account(user, now or timezone.now()):
        return
    added = len(find_links(after)) - len(find_links(before))
    if added > 0:
        check_posting_limits(user, "\n".join(find_links(after)[-added:]), now=now)


def edit_comment(user, comment, body, now=None):
    if not permissions.can_edit_comment(user, comment, now=now):
        raise PermissionDenied
    body = _max_length_check(body)
    _check_added_links(user, comment.body, body, now)
    comment.body = body
    comment.edited_at = now or timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def delete_comment(user, comment):
    """Soft delete by the author: the thread keeps its shape, the text goes."""
    if not permissions.can_delete_comment(user, comment):
        raise PermissionDenied
    comment.status = Comment.Status.DELETED
    comment.body = ""
    comment.save(update_fields=["status", "body", "body_html"])
    return comment


def report_comment(user, comment, reason, message=""):
    if not permissions.can_report_comment(user, comment):
        raise PermissionDenied
    existing = CommentReport.objects.filter(
        comment=comment, reporter=user, status=CommentReport.Status.OPEN
    ).first()
    if existing:
        return existing
    return CommentReport.objects.create(
        comment=comment, reporter=user, reason=reason, message=message
    )


@transaction.atomic
def moderate_comment(moderator, comment, action, *, via="admin", note=""):
    """Hide, restore or dismiss the reports on a comment; every decision goes to the log."""
    if not permissions.can_moderate_comment(moderator, comment):
        raise PermissionDenied
    Action = ModerationAction.Action
    now = timezone.now()
    open_reports = comment.reports.filter(status=CommentReport.Status.OPEN)
    if action == Action.HIDE:
        if comment.is_deleted:
            raise ValidationError(_("Ce commentaire a été supprimé par son auteur."))
        comment.status = Comment.Status.HIDDEN
        comment.save(update_fields=["status"])
        open_reports.update(
            status=CommentReport.Status.ACTIONED, resolved_at=now, resolved_by=moderator
        )
    elif action == Action.RESTORE:
        if not comment.is_hidden:
            raise ValidationError(_("Ce commentaire n'est pas masqué."))
        comment.status = Comment.Status.VISIBLE
        comment.save(update_fields=["status"])
    elif action == Action.DISMISS:
        open_reports.update(
            status=CommentReport.Status.DISMISSED, resolved_at=now, resolved_by=moderator
        )
    else:
        raise ValidationError(_("Action inconnue."))
    return ModerationAction.objects.create(
        comment=comment, moderator=moderator, action=action, via=via, note=note[:500]
    )


# --- account deletion and export --------------------------------------------------------------


def _user_sessions(user):
    key = str(user.pk)
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        try:
            if session.get_decoded().get("_auth_user_id") == key:
                yield session.pk
        except Exception:  # noqa: BLE001 - a corrupt session is simply not the user's
            continue


@transaction.atomic
def delete_account(user):
    """Erase a member: comments and discussions stay as "compte supprimé", nothing else remains.

    Cascades remove the profile, email addresses, social accounts, memberships, join requests,
    activity; reports the member filed go too. Spaces left without a moderator get one.
    """
    profile = Profile.objects.filter(user=user).first()
    avatar_name = profile.avatar.name if profile and profile.avatar else ""
    storage = profile.avatar.storage if profile and profile.avatar else None
    moderated = list(
        Space.objects.filter(
            memberships__user=user, memberships__role=Membership.Role.MODERATOR
        ).values_list("pk", flat=True)
    )
    account_deleting.send(sender=user.__class__, user=user)
    CommentReport.objects.filter(reporter=user).delete()
    # A join request's notice to moderators quotes the member's name and message.
    Notification.objects.filter(actor=user, kind=Notification.Kind.JOIN_REQUESTED).delete()
    Session.objects.filter(pk__in=list(_user_sessions(user))).delete()
    user.delete()
    for space in Space.objects.filter(pk__in=moderated):
        _ensure_moderator(space)
    if avatar_name:
        transaction.on_commit(lambda: storage.delete(avatar_name))


def export_section(name):
    """Register `fn(user)` whose JSON-able result goes under `name` in the personal export."""

    def decorator(fn):
        _EXPORT_SECTIONS[name] = fn
        return fn

    return decorator


def _iso(value):
    return value.isoformat() if value else None


def _target_label(comment, user):
    if comment.discussion_id:
        space = comment.discussion.space
        if permissions.can_view_space(user, space):
            return {
                "type": "discussion",
                "title": comment.discussion.title,
                "space": space.name,
                "url": comment.discussion.get_absolute_url(),
            }
        return {"type": "discussion", "title": _("espace privé"), "space": None, "url": None}
    return {"type": "page", "title": comment.page.title, "url": comment.page.url}


def export_account_data(user):
    """Everything Carrefour holds about `user`, as a JSON-able dict (RGPD right of access)."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    profile = Profile.objects.filter(user=user).first()
    data = {
        "format": "carrefour-export-1",
        "exported_at": _iso(timezone.now()),
        "account": {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user)
        ],
        "social_accounts": [
            {"provider": s.provider, "uid": s.uid, "date_joined": _iso(s.date_joined)}
            for s in SocialAccount.objects.filter(user=user)
        ],
        "profile": None,
        "memberships": [
            {
                "space": m.space.name,
                "url": m.space.get_absolute_url(),
                "role": m.role,
                "joined_at": _iso(m.joined_at),
            }
            for m in Membership.objects.filter(user=user).select_related("space")
        ],
        "join_requests": [
            {
                "space": r.space.name if permissions.can_view_space(user, r.space) else None,
                "message": r.message,
                "status": r.status,
                "created_at": _iso(r.created_at),
            }
            for r in JoinRequest.objects.filter(user=user).select_related("space")
        ],
        "discussions": [
            {
                "title": d.title,
                "body": d.body,
                "created_at": _iso(d.created_at),
                "space": d.space.name if permissions.can_view_space(user, d.space) else None,
            }
            for d in Discussion.objects.filter(author=user).select_related("space")
        ],
        "comments": [
            {
                "id": c.pk,
                "body": c.body,
                "status": c.status,
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "on": _target_label(c, user),
            }
            for c in Comment.objects.filter(author=user).select_related("page", "discussion__space")
        ],
        "reports": [
            {
                "comment": r.comment_id,
                "reason": r.reason,
                "message": r.message,
                "status": r.status,
                "created_at": _iso(r.created_at),
            }
            for r in CommentReport.objects.filter(reporter=user)
        ],
        "activity": [
            {"verb": a.verb, "created_at": _iso(a.created_at)}
            for a in Activity.objects.filter(actor=user)
        ],
    }
    if profile is not None:
        data["profile"] = {
            "display_name": profile.display_name,
            "public_url": profile.get_absolute_url(),
            "bio": profile.bio,
            "organisation": profile.organisation,
            "territory": {"insee_code": profile.insee_code, "name": profile.territory_name},
            "interests": [str(g) for g in profile.interests.all()],
            "discoverable": profile.discoverable,
            "avatar": profile.avatar.url if profile.avatar else None,
            "created_at": _iso(profile.created_at),
        }
    for name, fn in _EXPORT_SECTIONS.items():
        data[name] = fn(user)
    return data
