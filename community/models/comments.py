"""Member comments (on project pages, news and discussions), reports and the moderation log.

A comment hangs on exactly one target: a Wagtail page (`page`) or a space discussion
(`discussion`). The author may be null once their account is deleted ("compte supprimé"): the
text stays, nothing else of the person does.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import conf


class Comment(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Masqué par la modération")
        DELETED = "deleted", _("Supprimé par son auteur")

    page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="community_comments",
    )
    discussion = models.ForeignKey(
        "community.Discussion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_comments",
    )
    body = models.TextField(_("commentaire"))
    body_html = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.VISIBLE, db_index=True
    )
    created_at = models.DateTimeField(_("publié le"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(page__isnull=False) & Q(discussion__isnull=True))
                | (Q(page__isnull=True) & Q(discussion__isnull=False)),
                name="community_comment_one_target",
            )
        ]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")

    def __str__(self):
        return f"#{self.pk} {self.body[:60]}"

    def save(self, *args, **kwargs):
        from community.rendering import render_text

        self.body_html = render_text(self.body) if self.body else ""
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.target_url()}#commentaire-{self.pk}"

    @property
    def target(self):
        return self.discussion if self.discussion_id else self.page

    @property
    def space(self):
        return self.discussion.space if self.discussion_id else None

    @property
    def is_visible(self):
        return self.status == self.Status.VISIBLE

    @property
    def is_hidden(self):
        return self.status == self.Status.HIDDEN

    @property
    def is_deleted(self):
        return self.status == self.Status.DELETED

    def target_url(self):
        if self.discussion_id:
            return self.discussion.get_absolute_url()
        return self.page.url

    def editable_until(self):
        return self.created_at + conf.get("COMMUNITY_COMMENT_EDIT_WINDOW")


class CommentReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam ou publicité")
        ABUSE = "abuse", _("Propos injurieux, haineux ou harcèlement")
        PERSONAL = "personal", _("Données personnelles exposées")
        ILLEGAL = "illegal", _("Contenu illicite")
        OFF_TOPIC = "off_topic", _("Hors sujet")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        OPEN = "open", _("À traiter")
        ACTIONED = "actioned", _("Commentaire masqué")
        DISMISSED = "dismissed", _("Signalement rejeté")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_reports",
    )
    reason = models.CharField(_("motif"), max_length=20, choices=Reason.choices)
    message = models.TextField(_("précisions"), max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"],
                condition=Q(status="open"),
                name="community_one_open_report_per_reporter",
            )
        ]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")

    def __str__(self):
        return f"{self.get_reason_display()} (#{self.comment_id})"


class ModerationAction(models.Model):
    """Who did what to which comment, and when: the moderation log shown in the admin."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Masqué")
        RESTORE = "restore", _("Rétabli")
        DISMISS = "dismiss", _("Signalement rejeté")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="moderation_log")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_moderation_actions",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    # Where the decision was taken: the Wagtail admin queue or a space's front-end tools.
    via = models.CharField(max_length=10, default="admin")
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("action de modération")
        verbose_name_plural = _("actions de modération")

    def __str__(self):
        return f"{self.get_action_display()} (#{self.comment_id})"
