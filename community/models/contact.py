"""Members writing to the holders of a claimed project ("Contacter le porteur").

A `Conversation` is opened by a member (the sender) on a project page; its other side is
whoever holds that page (approved claims, checked at each view, so a revoked holder loses the
thread and a new one gains it). Each `ContactMessage` is rendered from plain text (escaped,
links only) and may be reported by the other side, which sends it to the editors' moderation
queue (`community.admin_moderation`). Neither side ever sees the other's e-mail address: mail
goes out from the site, answers come back through the site or the relay address
(`community.contact`).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    project = models.ForeignKey(
        "catalogue.ProjectPage",
        on_delete=models.CASCADE,
        related_name="contact_conversations",
        verbose_name=_("projet"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact_conversations",
        verbose_name=_("membre à l'origine du message"),
    )
    subject = models.CharField(_("objet"), max_length=160)
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        verbose_name = _("conversation avec un porteur")
        verbose_name_plural = _("conversations avec des porteurs")

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("community:conversation", args=[self.pk])


class ContactMessage(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        REPORTED = "reported", _("Signalé à la modération")
        HIDDEN = "hidden", _("Masqué par la modération")

    class Via(models.TextChoices):
        SITE = "site", _("sur le site")
        EMAIL = "email", _("par courriel")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=4000)
    body_html = models.TextField(editable=False, blank=True)
    via = models.CharField(max_length=5, choices=Via.choices, default=Via.SITE)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.VISIBLE, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    report_reason = models.CharField(_("motif du signalement"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message à un porteur")
        verbose_name_plural = _("messages aux porteurs")

    def __str__(self):
        return f"{self.conversation_id}: {self.body[:40]}"

    def save(self, *args, **kwargs):
        from community.rendering import render_text

        self.body_html = render_text(self.body)
        super().save(*args, **kwargs)
