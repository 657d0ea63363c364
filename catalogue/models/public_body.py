"""What a French public body must publish: the three pages of the footer and the RGAA status.

One site setting (editable under Paramètres in the admin) points at the legal notice, the
accessibility statement and the privacy policy, and holds the accessibility compliance status
that the footer must show ("Accessibilité : partiellement conforme", RGAA 4.1).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


class AccessibilityStatus(models.TextChoices):
    # RGAA 4.1: the three compliance states a statement may declare.
    NON_COMPLIANT = "non", _("non conforme")
    PARTIAL = "partiel", _("partiellement conforme")
    FULL = "total", _("totalement conforme")


@register_setting(icon="doc-full")
class PublicBodySettings(BaseSiteSetting):
    """The footer's legal links, per site."""

    accessibility_status = models.CharField(
        _("état de conformité RGAA"),
        max_length=10,
        choices=AccessibilityStatus.choices,
        default=AccessibilityStatus.PARTIAL,
        help_text=_(
            "« Totalement conforme » seulement après un audit complet qui le constate. Affiché dans "
            "le pied de chaque page."
        ),
    )
    legal_notice_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page des mentions légales"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("déclaration d'accessibilité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("politique de confidentialité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("accessibility_status"),
        PageChooserPanel("legal_notice_page"),
        PageChooserPanel("accessibility_page"),
        PageChooserPanel("privacy_page"),
    ]

    class Meta:
        verbose_name = _("obligations légales")
        verbose_name_plural = _("obligations légales")
