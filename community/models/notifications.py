"""In-site notifications, their e-mail delivery and each member's delivery preference.

A notification is written once per recipient (a `dedupe_key` makes fan-out idempotent). It may
belong to a space: readers and senders go through `Notification.objects.visible_to(user)`, so a
notification about a private space never reaches someone who is not (or no longer) a member —
the check happens when the page is shown and when the e-mail is sent, not when it was written.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationSettings(models.Model):
    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("Un courriel à chaque notification")
        DAILY = "daily", _("Un résumé par jour")
        WEEKLY = "weekly", _("Un résumé par semaine")
        NEVER = "never", _("Aucun courriel (notifications sur le site seulement)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    frequency = models.CharField(
        _("courriels de notification"),
        max_length=10,
        choices=Frequency.choices,
        default=Frequency.WEEKLY,
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("préférences de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self):
        return f"{self.user_id}: {self.frequency}"

    @classmethod
    def for_user(cls, user):
        settings_row, _created = cls.objects.get_or_create(user=user)
        return settings_row


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Outside spaces, in public spaces, or in private spaces `user` (still) belongs to."""
        from .spaces import Membership

        public = Q(space__isnull=True) | Q(space__visibility="public")
        mine = Membership.objects.filter(user=user).values("space_id")
        return self.filter(recipient=user).filter(public | Q(space_id__in=mine))

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        CLAIM_APPROVED = "claim_approved", _("Demande de porteur approuvée")
        CLAIM_REJECTED = "claim_rejected", _("Demande de porteur refusée")
        PROJECT_NEWS = "project_news", _("Actualité d'un projet suivi")
        PROJECT_UPDATED = "project_updated", _("Projet suivi mis à jour")
        # Outcomes of a followed project (`community.outcomes`), the harvest's included.
        PROJECT_STAGE = "project_stage", _("Nouvelle étape d'un projet suivi")
        PROJECT_DISTINCTION = "project_distinction", _("Distinction d'un projet suivi")
        PROJECT_PARTNER = "project_partner", _("Nouveau partenaire d'un projet suivi")
        DISCUSSION_STARTED = "discussion_started", _("Nouvelle discussion")
        COMMENTED = "commented", _("Nouveau commentaire")
        PROJECT_LINKED = "project_linked", _("Projet suivi par un espace")
        SEARCH_MATCH = "search_match", _("Nouveau projet pour une recherche enregistrée")
        EDIT_PUBLISHED = "edit_published", _("Modification du porteur publiée")
        EDIT_NEEDS_CHANGES = "edit_needs_changes", _("Modification du porteur à revoir")
        JOIN_REQUESTED = "join_requested", _("Demande pour rejoindre un espace")
        JOIN_DECIDED = "join_decided", _("Réponse à une demande pour rejoindre un espace")
        CONTACT_MESSAGE = "contact_message", _("Message au sujet d'un projet")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    space = models.ForeignKey(
        "community.Space",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Which follow or saved search caused it (for the one-click "stop following" link).
    follow = models.ForeignKey(
        "community.Follow", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_search = models.ForeignKey(
        "community.SavedSearch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The delivery run that claimed it: a notification is e-mailed at most once.
    email_batch = models.CharField(max_length=32, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="unique_notification_per_event",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return f"{self.recipient_id}: {self.title}"

    @property
    def is_read(self):
        return self.read_at is not None
