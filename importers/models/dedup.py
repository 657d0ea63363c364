"""Doubtful cross-source duplicates waiting for an editor: merge, or keep apart."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DuplicateCandidate(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("à examiner")
        MERGED = "merged", _("fusionnés")
        KEPT_APART = "apart", _("distincts")

    project = models.ForeignKey(
        "catalogue.ProjectPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("fiche récoltée"),
    )
    existing = models.ForeignKey(
        "catalogue.ProjectPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("fiche existante"),
    )
    source = models.ForeignKey(
        "importers.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.FloatField(_("ressemblance"), default=0.0)
    reasons = models.CharField(_("indices"), max_length=255, blank=True)
    status = models.CharField(
        _("décision"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("doublon possible")
        verbose_name_plural = _("doublons possibles")
        constraints = [
            models.UniqueConstraint(fields=["project", "existing"], name="unique_duplicate_pair")
        ]

    def __str__(self):
        return f"{self.project_id} ≈ {self.existing_id} ({self.score:.2f})"
