"""Project holders: claims ("C'est mon projet"), editors' decisions, holders' edits and news.

Every function checks its own permission (raising `PermissionDenied`); views only translate.
A holder's page edit goes through `catalogue.services.apply_holder_edit`, the catalogue's one
write path, which also protects the edited fields from the next harvest.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue import services as catalogue_services

from . import notify, permissions
from .activity import record
from .models import Activity, Follow, Notification, ProjectClaim, ProjectNews

logger = logging.getLogger(__name__)

# Addresses on these domains say nothing about who runs a project's website.
GENERIC_DOMAINS = frozenset(
    {
        "facebook.com",
        "instagram.com",
        "linkedin.com",
        "twitter.com",
        "x.com",
        "youtube.com",
        "google.com",
        "gmail.com",
        "googlemail.com",
        "helloasso.com",
        "outlook.com",
        "outlook.fr",
        "hotmail.com",
        "hotmail.fr",
        "live.fr",
        "yahoo.com",
        "yahoo.fr",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "icloud.com",
        "protonmail.com",
        "proton.me",
    }
)

# A member may wait for at most this many decisions at once (the editors' queue is no inbox).
MAX_PENDING_CLAIMS = 3


@functools.cache
def _extractor():
    import tldextract

    # Offline: the public suffix list snapshot bundled with tldextract, never a download.
    # Private suffixes (wixsite.com, github.io…) count, so two sites on one host never match.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def registrable_domain(value: str) -> str:
    """ "https://www.asso.fr/x" → "asso.fr"; "ana@lists.asso.fr" → "asso.fr"; "" if none."""
    value = (value or "").strip().lower()
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    if not value:
        return ""
    result = _extractor()(value)
    domain = result.top_domain_under_public_suffix
    return domain or ""


def matching_verified_email(user, website: str) -> tuple[str, str]:
    """(the user's verified address on the website's registrable domain, that domain).

    ("", domain) when no verified address matches; ("", "") when the site has no usable domain.
    """
    from allauth.account.models import EmailAddress

    domain = registrable_domain(website)
    if not domain or domain in GENERIC_DOMAINS:
        return "", domain
    for email in EmailAddress.objects.filter(user=user, verified=True).order_by("-primary", "pk"):
        if registrable_domain(email.email) == domain:
            return email.email, domain
    return "", domain


# --- permissions ------------------------------------------------------------------------------


def can_review_claims(user) -> bool:
    """Editors with the claim permission (Moderators/Editors groups get it), or superusers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.has_perm("community.change_projectclaim")


def is_page_editor(user, page) -> bool:
    """Wagtail editors who may edit this page in the admin may use the front-end form too."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return page.permissions_for_user(user).can_edit()


def can_edit_project(user, page) -> bool:
    return permissions.is_project_holder(user, page) or is_page_editor(user, page)


def can_claim(user, page) -> bool:
    return permissions.is_verified_member(user) and page.live


def open_claim(user, page):
    if user is None or not user.is_authenticated:
        return None
    return (
        ProjectClaim.objects.filter(
            user=user,
            project=page,
            status__in=[ProjectClaim.Status.PENDING, ProjectClaim.Status.APPROVED],
        )
        .order_by("-created_at")
        .first()
    )


def holders_of(page):
    """Approved holders of a page, with their profiles (shown on the page with the badge)."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            project_claims__project=page, project_claims__status=ProjectClaim.Status.APPROVED
        )
        .select_related("profile")
        .distinct()
    )


# --- claims -----------------------------------------------------------------------------------


@transaction.atomic
def submit_claim(user, page, *, role: str, message: str = "") -> ProjectClaim:
    if not can_claim(user, page):
        raise PermissionDenied
    role = (role or "").strip()
    if not role:
        raise ValidationError(_("Indiquez votre rôle dans le projet."), code="role")
    existing = open_claim(user, page)
    if existing is not None:
        return existing
    if ProjectClaim.objects.pending().filter(user=user).count() >= MAX_PENDING_CLAIMS:
        raise ValidationError(
            _(
                "Vous avez déjà %(count)d demandes en attente : attendez la décision de la "
                "rédaction avant d'en envoyer d'autres."
            )
            % {"count": MAX_PENDING_CLAIMS},
            code="too_many_claims",
        )
    email, domain = matching_verified_email(user, page.website)
    try:
        with transaction.atomic():
            claim = ProjectClaim.objects.create(
                project=page,
                user=user,
                role=role[:120],
                message=(message or "").strip()[:2000],
                matching_email=email,
                website_domain=domain,
            )
    except IntegrityError:  # a double submit raced us
        return open_claim(user, page)
    transaction.on_commit(functools.partial(_tell_reviewers, claim.pk))
    return claim


def _tell_reviewers(claim_pk):
    """E-mail the people who review claims (a new request waits in the admin queue)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    from .emails import send_plain_email

    claim = ProjectClaim.objects.select_related("project", "user").filter(pk=claim_pk).first()
    if claim is None:
        return
    perm = Permission.objects.filter(
        content_type__app_label="community", codename="change_projectclaim"
    ).first()
    reviewers = get_user_model().objects.filter(is_active=True).exclude(email="")
    query = Q(is_superuser=True)
    if perm is not None:
        query |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    emails = sorted(set(reviewers.filter(query).values_list("email", flat=True)))
    if not emails:
        return
    from django.urls import reverse

    from catalogue.site_url import absolute

    send_plain_email(
        emails,
        _("Nouvelle demande de porteur : %(title)s") % {"title": claim.project.title},
        "community/emails/claim_submitted.txt",
        {"claim": claim, "queue_url": absolute(reverse("community_claims_admin"))},
    )


@transaction.atomic
def decide_claim(reviewer, claim: ProjectClaim, *, approve: bool, note: str = "") -> ProjectClaim:
    """Approve or reject a pending claim; the member is told in the site and by e-mail."""
    if not can_review_claims(reviewer):
        raise PermissionDenied
    claim = (
        ProjectClaim.objects.select_for_update().select_related("project", "user").get(pk=claim.pk)
    )
    if claim.status != ProjectClaim.Status.PENDING:
        return claim
    claim.status = ProjectClaim.Status.APPROVED if approve else ProjectClaim.Status.REJECTED
    claim.decided_by = reviewer
    claim.decided_at = timezone.now()
    claim.decision_note = (note or "").strip()[:1000]
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    project = claim.project.specific
    if approve:
        _quiet_admin_emails(claim.user)
        Follow.objects.get_or_create(
            user=claim.user,
            target_type=_ct(project),
            target_id=project.pk,
        )
        record(claim.user, Activity.Verb.CLAIM_APPROVED, project)
        title = _("Vous êtes désormais porteur ou porteuse du projet « %(title)s »") % {
            "title": project.title
        }
        kind = Notification.Kind.CLAIM_APPROVED
    else:
        title = _("Votre demande pour le projet « %(title)s » n'a pas été acceptée") % {
            "title": project.title
        }
        kind = Notification.Kind.CLAIM_REJECTED
    notify.notify(
        claim.user,
        kind,
        title=title,
        body=claim.decision_note,
        url=project.url or "",
        target=project,
        actor=None,
        dedupe_key=f"claim:{claim.pk}:{claim.status}",
        transactional=True,
    )
    return claim


def _quiet_admin_emails(user):
    """Members never enter the admin: Wagtail's moderation e-mails (links to the admin) are
    replaced for them by our own notifications (`notify.holder_edit_decided`)."""
    if user.is_staff:
        return
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.approved_notifications = False
    profile.rejected_notifications = False
    profile.updated_comments_notifications = False
    profile.save(
        update_fields=[
            "approved_notifications",
            "rejected_notifications",
            "updated_comments_notifications",
        ]
    )


@transaction.atomic
def revoke_claim(reviewer, claim: ProjectClaim, note: str = "") -> ProjectClaim:
    if not can_review_claims(reviewer):
        raise PermissionDenied
    if claim.status == ProjectClaim.Status.APPROVED:
        claim.status = ProjectClaim.Status.REVOKED
        claim.decided_by = reviewer
        claim.decided_at = timezone.now()
        claim.decision_note = (note or "").strip()[:1000]
        claim.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return claim


# --- holders' edits ---------------------------------------------------------------------------


def publishes_immediately() -> bool:
    return bool(getattr(settings, "HOLDER_EDITS_PUBLISH_IMMEDIATELY", False))


def edit_project(user, page, cleaned_data: dict):
    """A holder's (or an editor's) front-end edit → a Wagtail revision, published or moderated."""
    if not can_edit_project(user, page):
        raise PermissionDenied
    publish = publishes_immediately()
    if not publish and not permissions.is_project_holder(user, page):
        # An editor using the front-end form publishes if Wagtail lets them publish.
        publish = page.permissions_for_user(user).can_publish()
    return catalogue_services.apply_holder_edit(page, user, cleaned_data, publish=publish)


def revision_history(page, limit=50):
    """The page's revisions, newest first, with what a holder may know about each."""
    from wagtail.models import TaskState

    revisions = list(page.revisions.select_related("user").order_by("-created_at", "-id")[:limit])
    pending = set(
        TaskState.objects.filter(
            revision__in=revisions, status=TaskState.STATUS_IN_PROGRESS
        ).values_list("revision_id", flat=True)
    )
    rejected = set(
        TaskState.objects.filter(
            revision__in=revisions, status=TaskState.STATUS_REJECTED
        ).values_list("revision_id", flat=True)
    )
    holder_ids = set(
        ProjectClaim.objects.filter(project=page, status=ProjectClaim.Status.APPROVED).values_list(
            "user_id", flat=True
        )
    )
    rows = []
    for revision in revisions:
        if revision.pk == page.live_revision_id:
            status = "live"
        elif revision.pk in pending:
            status = "pending"
        elif revision.pk in rejected:
            status = "rejected"
        elif page.live_revision and revision.created_at < page.live_revision.created_at:
            status = "past"
        else:
            status = "draft"
        rows.append(
            {
                "revision": revision,
                "status": status,
                "by_holder": revision.user_id in holder_ids,
                "author": _author_label(revision, holder_ids),
            }
        )
    return rows


def _author_label(revision, holder_ids):
    if revision.user_id is None:
        return _("Import automatique")
    if revision.user_id in holder_ids:
        profile = getattr(revision.user, "profile", None)
        return getattr(profile, "display_name", "") or _("Porteur du projet")
    return _("Rédaction du Carrefour")


# --- project news -----------------------------------------------------------------------------


@transaction.atomic
def post_news(user, page, *, title: str, body: str, link: str = "") -> ProjectNews:
    if not can_edit_project(user, page) or not page.live:
        raise PermissionDenied
    news = ProjectNews.objects.create(
        project=page, author=user, title=title.strip()[:140], body=body.strip(), link=link
    )
    # Followers are notified from the activity entry (see community.notify.fan_out).
    record(user, Activity.Verb.PROJECT_NEWS, news)
    return news


def delete_news(user, news: ProjectNews):
    if not can_edit_project(user, news.project):
        raise PermissionDenied
    news.delete()


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj, for_concrete_model=True)
