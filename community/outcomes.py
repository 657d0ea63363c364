"""A followed project's outcomes → its followers' notifications (site, e-mail, digest).

The catalogue sends `catalogue.outcomes.project_outcomes` when a public project page gets a new
stage, a new distinction or a new partner listing it, whoever wrote it (an editor, a holder, a
harvest). Each becomes one notification per follower; the dedupe key names the event (the
stage and the day, the distinction, the partner), so a second harvest, or a second source of the
same partner, never tells anyone twice. Holders' news of a project are fanned out from their
activity entry (`notify.fan_out`).

Projects live outside spaces: these notifications carry no space, and nothing of a private
space (its name, its discussions) is put in them.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Follow, Notification
from .notify import notify_followers

Kind = Notification.Kind


def _kind_and_title(outcome, page):
    from catalogue.outcomes import DISTINCTION, PARTNER, STAGE

    values = {"project": page.title, "label": outcome.label}
    if outcome.kind == STAGE:
        return Kind.PROJECT_STAGE, _("« %(project)s » passe à l'étape « %(label)s »") % values
    if outcome.kind == DISTINCTION:
        return (
            Kind.PROJECT_DISTINCTION,
            _("« %(project)s » a reçu une distinction : %(label)s") % values,
        )
    if outcome.kind == PARTNER:
        return Kind.PROJECT_PARTNER, _("« %(project)s » est désormais référencé par %(label)s") % (
            values
        )
    return None, ""


def event_key(outcome) -> str:
    """One event, whatever writes it again: a stage once a day, a distinction or partner once."""
    from catalogue.outcomes import STAGE

    identity = outcome.key
    if outcome.kind == STAGE:
        identity += "|" + timezone.localdate().isoformat()
    digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
    return f"outcome:{outcome.kind}:{outcome.page_id}:{digest}"


def outcomes_received(sender, outcomes=(), **kwargs) -> int:
    """Receiver of `project_outcomes`: notify the followers of each page."""
    from django.contrib.contenttypes.models import ContentType

    from catalogue.models import ProjectPage

    ids = {o.page_id for o in outcomes}
    followed = set(
        Follow.objects.filter(
            target_type=ContentType.objects.get_for_model(ProjectPage), target_id__in=ids
        ).values_list("target_id", flat=True)
    )
    if not followed:
        return 0
    pages = ProjectPage.objects.in_bulk(followed)
    sent = 0
    for outcome in outcomes:
        page = pages.get(outcome.page_id)
        kind, title = _kind_and_title(outcome, page) if page else (None, "")
        if kind is None:
            continue
        sent += notify_followers(
            page,
            kind,
            actor=None,
            title=title,
            url=page.url or "",
            target=page,
            event_key=event_key(outcome),
        )
    return sent
