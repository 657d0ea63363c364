"""Claims by project holders ("C'est mon projet") and the news holders post on their project.

A member asks to become the holder of a project page; editors approve or reject the claim in
the Wagtail admin. An approved claim is what `community.permissions.is_project_holder` checks:
it authorises the front-end edit of that page (and only that page) and project news.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.validators import http_url_validator


class ProjectClaimQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=ProjectClaim.Status.APPROVED)

    def pending(self):
        return self.filter(status=ProjectClaim.Status.PENDING)


class ProjectClaim(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        APPROVED = "approved", _("approuvée")
        REJECTED = "rejected", _("refusée")
        REVOKED = "revoked", _("retirée")

    project = models.ForeignKey(
        "catalogue.ProjectPage",
        on_delete=models.CASCADE,
        related_name="holder_claims",
        verbose_name=_("projet"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="project_claims",
        verbose_name=_("membre"),
    )
    role = models.CharField(_("rôle dans le projet"), max_length=120)
    message = models.TextField(_("message à la rédaction"), max_length=2000, blank=True)
    # The member's verified address whose registrable domain matches the project's website.
    matching_email = models.EmailField(_("adresse vérifiée du domaine du projet"), blank=True)
    website_domain = models.CharField(_("domaine du site du projet"), max_length=255, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decision_note = models.TextField(_("motif transmis au membre"), max_length=1000, blank=True)

    objects = ProjectClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demande de porteur de projet")
        verbose_name_plural = _("demandes de porteurs de projet")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(status__in=["pending", "approved"]),
                name="one_open_claim_per_member_and_project",
            ),
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self):
        return f"{self.user_id} → {self.project_id} ({self.status})"

    @property
    def domain_match(self):
        return bool(self.matching_email)

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED


class ProjectNews(models.Model):
    """A short news item ("actualité du projet") posted by a holder; followers are notified."""

    project = models.ForeignKey(
        "catalogue.ProjectPage",
        on_delete=models.CASCADE,
        related_name="holder_news",
        verbose_name=_("projet"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("auteur"),
    )
    title = models.CharField(_("titre"), max_length=140)
    body = models.TextField(_("texte"), max_length=2000)
    body_html = models.TextField(editable=False, blank=True)
    link = models.URLField(
        _("lien (facultatif)"), max_length=500, blank=True, validators=[http_url_validator]
    )
    created_at = models.DateTimeField(_("publiée le"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("actualité du projet")
        verbose_name_plural = _("actualités des projets")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        from community.rendering import render_text

        self.body_html = render_text(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.project.url}#actualite-{self.pk}"
