"""Corrections back to partners (errata): what holders and editors changed on a partner's records.

Written beside the curated marks: `record_corrections(before, after, names, by=…)` stores one
`FieldCorrection` per field whose value differs (as text, before and after). Read by the public
errata page and its CSV and JSON feeds (`catalogue.errata_views`), by the monthly e-mail digest
(`send_monthly_digests`, a django-q2 schedule) and by the partner's dashboard:
`partner_corrections(partner)` is the one query.

What a partner sees: every correction of a public page it lists, once the page's published
revision includes it (a holder's edit waiting for moderation is not public yet), and nothing of
pages it does not list. Who corrected is a role ("porteur", "équipe éditoriale"), never a person.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import unescape as unescape_entities

from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from .project_fields import CURATABLE_FIELDS

logger = logging.getLogger(__name__)

MAX_TEXT = 2000  # characters of a value kept in a correction
DIGEST_SCHEDULE = "catalogue: relevés mensuels des corrections aux partenaires"
DIGEST_TASK = "catalogue.errata.send_monthly_digests"
DIGEST_CRON = "0 6 1 * *"  # the first day of each month, 6:00


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def field_text(page, name: str) -> str:
    """A field's value as a partner reads it (plain text, one value)."""
    if name == "codes":
        return ", ".join(sorted(code.code for code in page.codes.all()))
    if name == "tags":
        return ", ".join(sorted(tag.name for tag in page.tags.all()))
    if name == "image":
        return page.image.title if page.image_id and page.image else ""
    if name == "location":
        if page.latitude is None or page.longitude is None:
            return ""
        return f"{page.latitude:.5f}, {page.longitude:.5f}"
    value = getattr(page, name, "")
    if value is None:
        return ""
    if name == "description":
        value = unescape_entities(strip_tags(str(value))).strip()
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def snapshot(page, names) -> dict[str, str]:
    """The text of these fields now (before an edit changes the object in place)."""
    return {name: field_text(page, name) for name in names if name in CURATABLE_FIELDS}


def record_corrections(page, before, after, names, *, by: str, revision_id=None) -> int:
    """Store the fields among `names` whose value differs between two versions of `page`
    (`before`: a version of the page, or its `snapshot`)."""
    from .models import FieldCorrection

    now = timezone.now()
    rows = []
    for name in dict.fromkeys(names):
        if name not in CURATABLE_FIELDS:
            continue
        old = before.get(name, "") if isinstance(before, dict) else field_text(before, name)
        new = field_text(after, name)
        if old != new:
            rows.append(
                FieldCorrection(
                    project_id=page.pk,
                    field_name=name,
                    old_value=old,
                    new_value=new,
                    by=by,
                    at=now,
                    revision_id=revision_id,
                )
            )
    FieldCorrection.objects.bulk_create(rows)
    return len(rows)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def field_label(name: str) -> str:
    from .models import ProjectPage

    try:
        return str(ProjectPage._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field since removed keeps its name
        return name


def partner_corrections(partner, *, since: datetime | None = None, until: datetime | None = None):
    """The corrections of the public pages `partner` lists, newest first (a queryset)."""
    from .models import FieldCorrection, ProjectPage, ProjectSource

    listed = ProjectSource.objects.filter(partner=partner).values("project_id")
    public = ProjectPage.objects.live().public().filter(pk__in=listed).values("pk")
    rows = FieldCorrection.objects.filter(project_id__in=public).filter(
        Q(revision_id__isnull=True) | Q(revision_id__lte=F("project__live_revision_id"))
    )
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return rows.select_related("project").order_by("-at", "-pk")


def as_item(correction, absolute=None) -> dict:
    """A correction as the feeds give it (a role, never a person)."""
    roles = {"editor": _("équipe éditoriale"), "holder": _("porteur")}
    url = correction.project.url or ""
    return {
        "project": correction.project_id,
        "title": correction.project.title,
        "url": absolute(url) if absolute and url else url,
        "field": correction.field_name,
        "field_label": field_label(correction.field_name),
        "old_value": correction.old_value,
        "new_value": correction.new_value,
        "at": correction.at.isoformat(),
        "by": roles.get(correction.by, _("équipe éditoriale")),
    }


def as_items(corrections, absolute=None) -> list[dict]:
    return [as_item(correction, absolute) for correction in corrections]


CSV_HEADER = [
    "projet",
    "titre",
    "url",
    "champ",
    "ancienne_valeur",
    "nouvelle_valeur",
    "date",
    "par",
]
CSV_KEYS = ["project", "title", "url", "field", "old_value", "new_value", "at", "by"]


# ---------------------------------------------------------------------------------------------
# The monthly digest
# ---------------------------------------------------------------------------------------------
def month_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def previous_month_start(start: datetime) -> datetime:
    year, month = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
    return start.replace(year=year, month=month)


def send_monthly_digests(now: datetime | None = None) -> int:
    """E-mail each partner with a contact address the corrections of the month before `now`.

    Once per month and partner whatever the number of runs (a claim on `ErrataDigest`), never
    when there is nothing to say. Returns the number of e-mails sent."""
    from .models import ErrataDigest, PartnerPage

    until = month_start(now or timezone.now())
    since = previous_month_start(until)
    sent = 0
    for partner in PartnerPage.objects.live().exclude(contact_email=""):
        digest, _created = ErrataDigest.objects.get_or_create(partner=partner)
        claimed = ErrataDigest.objects.filter(
            Q(sent_through__isnull=True) | Q(sent_through__lt=until), pk=digest.pk
        ).update(sent_through=until)
        if not claimed:
            continue  # this month's digest went already
        start = max(since, digest.sent_through) if digest.sent_through else since
        corrections = list(partner_corrections(partner, since=start, until=until)[:500])
        if not corrections:
            continue
        try:
            _send(partner, corrections, since=start, until=until)
        except Exception:  # noqa: BLE001 - give the month back: the next run retries
            logger.exception("Errata digest to partner %s failed", partner.pk)
            ErrataDigest.objects.filter(pk=digest.pk).update(sent_through=digest.sent_through)
            continue
        sent += 1
    return sent


def _send(partner, corrections, *, since, until) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse

    from .site_url import absolute, site_name

    context = {
        "partner": partner,
        "items": as_items(corrections, absolute),
        "since": since,
        "until": until,
        "page_url": absolute(reverse("partner-errata", args=[partner.slug])),
        "csv_url": absolute(reverse("partner-errata-csv", args=[partner.slug])),
        "site_name": site_name(),
    }
    subject = _("%(site)s : %(count)s correction(s) de vos fiches") % {
        "site": site_name(),
        "count": len(corrections),
    }
    body = render_to_string("catalogue/emails/errata_digest.txt", context)
    send_mail(subject, body, None, [partner.contact_email])


def ensure_schedule(using="default") -> None:
    """The monthly digest's django-q2 schedule (idempotent, after every migrate)."""
    from django_q.models import Schedule

    Schedule.objects.using(using).update_or_create(
        name=DIGEST_SCHEDULE,
        defaults={
            "func": DIGEST_TASK,
            "schedule_type": Schedule.CRON,
            "cron": DIGEST_CRON,
            "repeats": -1,
        },
    )
