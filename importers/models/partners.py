"""The partner role: a member who speaks for a partner organisation (granted by an editor in
the admin) proposes sources from the front end and follows its sources' health there.

A proposed source is an ordinary `Source`, disabled, with its proposal fields set
(`Source.proposal_status`); an editor reviews and enables it in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartnerRole(models.Model):
    """« Ce membre parle au nom du partenaire X » (the partner role, declared once here)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("membre"),
        on_delete=models.CASCADE,
        related_name="partner_roles",
    )
    partner = models.ForeignKey(
        "catalogue.PartnerPage",
        verbose_name=_("partenaire"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accordé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    granted_at = models.DateTimeField(_("accordé le"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["partner__title", "user__email"]
        verbose_name = _("rôle de partenaire")
        verbose_name_plural = _("rôles de partenaire")
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="unique_partner_role"),
        ]

    def __str__(self):
        return _("%(user)s parle au nom de %(partner)s") % {
            "user": self.user.get_full_name() or self.user.email or self.user.get_username(),
            "partner": self.partner.title,
        }


class ProposalStatus(models.TextChoices):
    NONE = "", _("source de la rédaction")
    PENDING = "pending", _("proposée, à examiner")
    ACCEPTED = "accepted", _("proposée, activée")
    DECLINED = "declined", _("proposée, refusée")
