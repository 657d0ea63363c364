"""Writing notifications: one row per recipient and event, fanned out from activity entries.

`fan_out(activity)` runs for every new `Activity` (see `receivers.py`) and turns it into
notifications for the followers of what changed: a new discussion → followers of the space; a
comment → followers of the discussion or of the project page; project news → followers of the
project; a space linking a project → followers of the space. The actor is never notified of
their own action, private spaces' content only goes to their members (and is checked again when
shown and when e-mailed), and `dedupe_key` makes every fan-out idempotent.

E-mail goes out later: at once (a django-q2 task queued after the commit) for members who chose
"immediate", in the daily or weekly digest otherwise (`community.tasks`).
"""

from __future__ import annotations

import functools
import logging

from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import permissions
from .models import Follow, Notification, NotificationSettings

logger = logging.getLogger(__name__)


def notify(
    recipient,
    kind,
    *,
    title,
    url="",
    body="",
    target=None,
    actor=None,
    space=None,
    follow=None,
    saved_search=None,
    dedupe_key="",
    transactional=False,
):
    """Write one notification (None when it would be a duplicate or must not be seen).

    `transactional=True` (answers to the member's own requests, e.g. a claim decision) is
    e-mailed at once whatever the member's digest preference.
    """
    if recipient is None or not recipient.is_active:
        return None
    if actor is not None and actor.pk == recipient.pk:
        return None
    if space is not None and not permissions.can_view_space(recipient, space):
        return None
    if (
        dedupe_key
        and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists()
    ):
        return None
    notification = Notification(
        recipient=recipient,
        kind=str(kind),
        title=str(title)[:255],
        body=str(body or ""),
        url=str(url or "")[:500],
        actor=actor,
        space=space,
        follow=follow,
        saved_search=saved_search,
        dedupe_key=dedupe_key[:120],
    )
    if target is not None:
        notification.target = target
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    if transactional:
        # Answers to the member's own request go out at once, like allauth's e-mails.
        transaction.on_commit(functools.partial(_send_now, [notification.pk]))
    else:
        queue_immediate([recipient.pk])
    return notification


def notify_followers(
    followed,
    kind,
    *,
    actor,
    title,
    url,
    event_key,
    body="",
    target=None,
    space=None,
    exclude=frozenset(),
):
    """Notify the followers of each object in `followed` (one notification per member), except
    the members of `exclude` (ids)."""
    if not isinstance(followed, list | tuple):
        followed = [followed]
    follows = []
    seen = set()
    for obj in followed:
        for follow in Follow.objects.of(obj).select_related("user").order_by("pk"):
            if follow.user_id in seen or follow.user_id in exclude:
                continue
            if actor is not None and follow.user_id == actor.pk:
                continue
            seen.add(follow.user_id)
            follows.append(follow)
    if not follows:
        return 0
    if space is not None and space.is_private:
        members = set(space.memberships.values_list("user_id", flat=True))
        follows = [f for f in follows if f.user_id in members]
    existing = set(
        Notification.objects.filter(
            recipient_id__in=[f.user_id for f in follows], dedupe_key=event_key
        ).values_list("recipient_id", flat=True)
    )
    rows = []
    for follow in follows:
        if follow.user_id in existing or not follow.user.is_active:
            continue
        row = Notification(
            recipient_id=follow.user_id,
            kind=str(kind),
            title=str(title)[:255],
            body=str(body or ""),
            url=str(url or "")[:500],
            actor=actor,
            space=space,
            follow=follow,
            dedupe_key=event_key[:120],
        )
        if target is not None:
            row.target = target
        rows.append(row)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    queue_immediate([row.recipient_id for row in rows])
    return len(rows)


def queue_immediate(user_ids):
    """After the commit, e-mail the members among `user_ids` who chose immediate delivery."""
    immediate = list(
        NotificationSettings.objects.filter(
            user_id__in=set(user_ids), frequency=NotificationSettings.Frequency.IMMEDIATE
        ).values_list("user_id", flat=True)
    )
    if immediate:
        transaction.on_commit(functools.partial(_queue, "send_immediate", immediate))


def _send_now(ids):
    # Named by dotted path, as the queued tasks are (`_queue`): the tasks use this module.
    send_now = import_string("community.tasks.send_now")
    try:
        send_now(ids)
    except Exception:  # noqa: BLE001 - a mail server hiccup must not break the request
        logger.exception("Could not e-mail notifications %s; the sweep will retry", ids)


def _queue(task_name, ids):
    from django_q.tasks import async_task

    try:
        async_task(f"community.tasks.{task_name}", ids, task_name=f"community-{task_name}")
    except Exception:  # noqa: BLE001 - the broker being down must not break the request
        logger.exception("Could not queue %s; the periodic sweep will send it", task_name)


# --- fan-out from activity entries --------------------------------------------------------------


def fan_out(activity):
    """Turn one activity entry into followers' notifications."""
    from .models import Activity, Comment, Discussion, ProjectNews

    verb = activity.verb
    target = activity.target
    if target is None:
        return 0
    actor = activity.actor
    key = f"activity:{activity.pk}"
    if verb == Activity.Verb.DISCUSSION_STARTED and isinstance(target, Discussion):
        # Starting a discussion means following it: replies reach its author.
        Follow.objects.get_or_create(user=actor, target_type=_ct(target), target_id=target.pk)
        return notify_followers(
            target.space,
            Notification.Kind.DISCUSSION_STARTED,
            actor=actor,
            title=_("Nouvelle discussion dans « %(space)s » : %(title)s")
            % {"space": target.space.name, "title": target.title},
            body=target.body[:500],
            url=target.get_absolute_url(),
            target=target,
            space=target.space,
            event_key=key,
        )
    if verb == Activity.Verb.COMMENTED and isinstance(target, Comment):
        if target.discussion_id:
            discussion = target.discussion
            return notify_followers(
                discussion,
                Notification.Kind.COMMENTED,
                actor=actor,
                title=_("Nouvelle réponse dans la discussion « %(title)s »")
                % {"title": discussion.title},
                body=target.body[:500],
                url=target.get_absolute_url(),
                target=target,
                space=discussion.space,
                event_key=key,
            )
        page = target.page.specific if target.page_id else None
        if page is None:
            return 0
        return notify_followers(
            page,
            Notification.Kind.COMMENTED,
            actor=actor,
            title=_("Nouveau commentaire sur « %(title)s »") % {"title": page.title},
            body=target.body[:500],
            url=target.get_absolute_url(),
            target=target,
            event_key=key,
        )
    if verb == Activity.Verb.PROJECT_LINKED and activity.space_id:
        space = activity.space
        return notify_followers(
            space,
            Notification.Kind.PROJECT_LINKED,
            actor=actor,
            title=_("L'espace « %(space)s » suit désormais le projet « %(project)s »")
            % {"space": space.name, "project": target.title},
            url=getattr(target, "url", "") or "",
            target=target,
            space=space,
            event_key=key,
        )
    if verb == Activity.Verb.PROJECT_NEWS and isinstance(target, ProjectNews):
        project = target.project
        return notify_followers(
            project,
            Notification.Kind.PROJECT_NEWS,
            actor=actor,
            title=_("Actualité de « %(project)s » : %(title)s")
            % {"project": project.title, "title": target.title},
            body=target.body[:500],
            url=target.get_absolute_url(),
            target=target,
            event_key=key,
        )
    return 0


def project_published(page, revision=None):
    """A followed project changed (at most one notification per member and day; none to those
    just told what changed: a new stage, distinction or partner, `community.outcomes`)."""
    from django.utils import timezone

    if page.first_published_at and page.last_published_at:
        if (page.last_published_at - page.first_published_at).total_seconds() < 1:
            return 0  # first publication: nobody follows it yet
    if not Follow.objects.of(page).exists():
        return 0
    actor = revision.user if revision is not None else None
    day = timezone.localdate().isoformat()
    return notify_followers(
        page,
        Notification.Kind.PROJECT_UPDATED,
        actor=actor,
        title=_("La fiche du projet « %(title)s » a été mise à jour") % {"title": page.title},
        url=page.url or "",
        target=page,
        event_key=f"updated:{page.pk}:{day}",
        exclude=told_outcome_recently(page),
    )


#: The kinds told in place of "the page was updated" (`community.outcomes`).
OUTCOME_KINDS = (
    Notification.Kind.PROJECT_STAGE,
    Notification.Kind.PROJECT_DISTINCTION,
    Notification.Kind.PROJECT_PARTNER,
)


def told_outcome_recently(page, minutes: int = 1) -> set[int]:
    """Followers told an outcome of `page` just now (its publication needs no second word)."""
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(minutes=minutes)
    return set(
        Notification.objects.filter(
            recipient_id__in=Follow.objects.of(page).values("user_id"),
            kind__in=OUTCOME_KINDS,
            target_type=_ct(page),
            target_id=page.pk,
            created_at__gte=since,
        ).values_list("recipient_id", flat=True)
    )


def holder_edit_decided(workflow_state, *, approved):
    """Tell a holder (not an admin user) that editors published or sent back their edit."""
    from django.urls import reverse

    from catalogue.models import ProjectPage

    requester = workflow_state.requested_by
    page = workflow_state.content_object
    if requester is None or requester.is_staff or page is None:
        return None
    page = page.specific
    if not isinstance(page, ProjectPage) or not permissions.is_project_holder(requester, page):
        return None
    task_state = workflow_state.current_task_state
    comment = (getattr(task_state, "comment", "") or "") if task_state else ""
    if approved:
        kind = Notification.Kind.EDIT_PUBLISHED
        title = _("Vos modifications de « %(title)s » sont publiées") % {"title": page.title}
        url = page.url or ""
    else:
        kind = Notification.Kind.EDIT_NEEDS_CHANGES
        title = _("La rédaction demande des changements à votre modification de « %(title)s »") % {
            "title": page.title
        }
        url = reverse("community:holder_edit", args=[page.pk])
    return notify(
        requester,
        kind,
        title=title,
        body=comment,
        url=url,
        target=page,
        dedupe_key=f"workflow:{workflow_state.pk}:{task_state.pk if task_state else 0}:{kind}",
        transactional=True,
    )


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj, for_concrete_model=True)


# --- reading ------------------------------------------------------------------------------------


def still_relevant(notification, user) -> bool:
    """Checked when shown and when e-mailed: the target still exists and may be seen."""
    from .models import Comment, Conversation, Discussion

    if notification.space_id and not permissions.can_view_space(user, notification.space):
        return False
    if notification.target_type_id is None:
        return True
    target = notification.target
    if target is None:
        return False
    if isinstance(target, Comment):
        if not target.is_visible:
            return False
        if target.discussion_id:
            return permissions.can_view_space(user, target.discussion.space)
        return bool(target.page_id) and target.page.live
    if isinstance(target, Discussion):
        return permissions.can_view_space(user, target.space)
    if isinstance(target, Conversation):  # its sender, or the project's current holders
        return user.pk == target.sender_id or permissions.is_project_holder(user, target.project)
    if hasattr(target, "live") and not target.live:
        return False
    project = getattr(target, "project", None)
    if project is not None and hasattr(project, "live") and not project.live:
        return False
    return True


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.visible_to(user).unread().count()
