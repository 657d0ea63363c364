"""Holders keep their pages fresh: "toujours à jour" on the page, yearly reminders by e-mail.

The rules of confirmation and of the reminders' periods live in the catalogue
(`catalogue.confirmation`, through `catalogue.services`); community knows who the holders are
(approved `ProjectClaim`s), sends the e-mails and checks every permission here.

- `confirm(user, page)`: an approved holder says the page is up to date.
- `send_reminders(now)`: the daily task. A claimed, published page not confirmed by a person
  for a year (counted from the claim's approval when that is later) gets a reminder to its
  holders; a second one `REMINDER_GAP` later; unanswered `REMINDER_GAP` after that, it is
  labelled "à vérifier" and listed in the editors' queue. A reminder is counted before it is
  sent, by one conditional UPDATE: two runs at once send it once. Unclaimed pages never get one.
- The e-mail's link (`link_token`) confirms without logging in: GET shows a button, POST
  confirms (link scanners prefetch GETs); a token used again, or issued before the page's
  latest confirmation, confirms nothing more.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from catalogue import services as catalogue_services

from . import emails, permissions
from .models import ProjectClaim

logger = logging.getLogger(__name__)

SALT = "community.freshness"
#: A reminder's link works for this long (the second reminder comes a month after the first).
LINK_MAX_AGE = 90 * 24 * 3600


def confirm(user, page, *, at: datetime | None = None):
    if not permissions.is_project_holder(user, page):
        raise PermissionDenied
    return catalogue_services.confirm_project(page, catalogue_services.HOLDER, user=user, at=at)


def link_token(user, page, now: datetime | None = None) -> str:
    issued = int((now or timezone.now()).timestamp())
    return signing.dumps({"u": user.pk, "p": page.pk, "t": issued}, salt=SALT, compress=True)


def read_link_token(token: str, now: datetime | None = None) -> dict | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "upt"):
        return None
    age = (now or timezone.now()).timestamp() - data["t"]
    if not 0 <= age <= LINK_MAX_AGE:
        return None
    return data


def confirm_by_link(data: dict, now: datetime | None = None) -> tuple[str, object]:
    """("confirmed" | "already" | "forbidden", page or None) for a read token's data."""
    from django.contrib.auth import get_user_model

    from catalogue.models import ProjectPage

    page = ProjectPage.objects.live().filter(pk=data["p"]).first()
    user = get_user_model().objects.filter(pk=data["u"], is_active=True).first()
    if page is None or user is None or not permissions.is_project_holder(user, page):
        return "forbidden", None
    current = catalogue_services.confirmation_of(page)
    issued = datetime.fromtimestamp(data["t"], tz=timezone.get_current_timezone())
    if current.by in ("holder", "editor") and current.at and current.at >= issued:
        return "already", page
    confirm(user, page, at=now)
    return "confirmed", page


def _claims_by_page():
    """Approved claims of published pages: page id -> (page, [holders], since)."""
    from catalogue.models import ProjectPage

    pages: dict[int, list] = {}
    claims = ProjectClaim.objects.approved().select_related("user").order_by("pk")
    live = set(
        ProjectPage.objects.live()
        .filter(pk__in=claims.values("project_id"))
        .values_list("pk", flat=True)
    )
    for claim in claims:
        if claim.project_id not in live or not claim.user.is_active:
            continue
        since = claim.decided_at or claim.created_at
        entry = pages.setdefault(claim.project_id, [None, [], since])
        entry[1].append(claim.user)
        entry[2] = min(entry[2], since)
    if pages:
        for page in ProjectPage.objects.filter(pk__in=pages):
            pages[page.pk][0] = page
    return pages


def send_reminders(now: datetime | None = None) -> dict:
    """The daily task (see the module doc); returns what it did."""
    now = now or timezone.now()
    done = {"reminded": 0, "to_verify": 0, "emails": 0}
    to_verify = []
    for page_id, (page, holders, since) in _claims_by_page().items():
        due = catalogue_services.reminder_due(page_id, since, now)
        if due == "to_verify":
            to_verify.append(page_id)
        elif due == "remind" and catalogue_services.count_reminder(page_id, now):
            done["reminded"] += 1
            for user in holders:
                done["emails"] += _send(user, page, now)
    if to_verify:
        catalogue_services.mark_to_verify(to_verify, now)
        done["to_verify"] = len(to_verify)
    return done


def _send(user, page, now) -> int:
    if not user.email:
        return 0
    # The link's validity runs on the real clock, whatever day the job was run for.
    link = emails.absolute(reverse("community:confirm_link", args=[link_token(user, page)]))
    context = {
        "user": user,
        "page": page,
        "confirm_url": link,
        "edit_url": emails.absolute(reverse("community:holder_edit", args=[page.pk])),
        "page_url": emails.absolute(page.url or "/"),
    }
    try:
        return emails.send_plain_email(
            [user.email],
            f"Votre fiche « {page.title} » est-elle toujours à jour ?",
            "community/emails/freshness_reminder.txt",
            context,
        )
    except Exception:  # noqa: BLE001 - one address failing must not stop the others
        logger.exception("Freshness reminder to user %s failed", user.pk)
        return 0


def daily(now: datetime | None = None) -> dict:
    """The scheduled job: reminders, then the search index's age buckets moved by the clock."""
    done = send_reminders(now)
    done["aged"] = catalogue_services.age_freshness_index(now)
    return done


def claimed_pages(page_ids) -> set[int]:
    """The `catalogue_claimed_pages` hook: claimed pages are never archived."""
    return set(
        ProjectClaim.objects.approved()
        .filter(project_id__in=list(page_ids))
        .values_list("project_id", flat=True)
    )
