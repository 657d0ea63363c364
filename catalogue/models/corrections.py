"""Corrections: a person's change of a field a partner supplied (`catalogue.errata`).

One row per field changed by a holder's or an editor's edit, with the value before and after
as text. No person is named: `by` is the role. Written beside the curated marks
(`catalogue.provenance.mark_curated`); read by each partner's errata page and feeds.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FieldCorrection(models.Model):
    class By(models.TextChoices):
        EDITOR = "editor", _("équipe éditoriale")
        HOLDER = "holder", _("porteur")

    project = models.ForeignKey(
        "catalogue.ProjectPage", on_delete=models.CASCADE, related_name="corrections"
    )
    field_name = models.CharField(_("champ"), max_length=40)
    old_value = models.TextField(_("ancienne valeur"), blank=True)
    new_value = models.TextField(_("nouvelle valeur"), blank=True)
    by = models.CharField(_("par"), max_length=10, choices=By.choices)
    at = models.DateTimeField(_("date"), default=timezone.now)
    # The page revision that made the change: public once the page's live revision reaches it.
    revision_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        indexes = [models.Index(fields=["project", "at"], name="correction_project_at")]

    def __str__(self):
        return f"{self.project_id}.{self.field_name} ({self.by}, {self.at:%Y-%m-%d})"


class ErrataDigest(models.Model):
    """Up to when a partner's monthly digest of corrections went (`catalogue.errata`)."""

    partner = models.OneToOneField(
        "catalogue.PartnerPage", on_delete=models.CASCADE, related_name="errata_digest"
    )
    sent_through = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.partner_id}: {self.sent_through}"
