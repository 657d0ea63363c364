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


class DuplicateDecision(models.Model):
    """An editor's decision on a pair, remembered across runs: the record of a source (by its
    update key) is, or is not, the project of an existing page. Applied by every later run
    (`importers.pipeline`): a pair kept apart is never proposed again, a pair judged the same
    is merged without asking."""

    source_key = models.CharField(_("source"), max_length=120)
    record_key = models.CharField(_("fiche chez la source"), max_length=1100)
    existing = models.ForeignKey(
        "catalogue.ProjectPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("fiche existante"),
    )
    same = models.BooleanField(_("même projet"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("décision sur un doublon")
        verbose_name_plural = _("décisions sur les doublons")
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "record_key", "existing"], name="unique_duplicate_decision"
            )
        ]
        indexes = [models.Index(fields=["source_key"], name="duplicate_decision_source")]

    def __str__(self):
        return f"{self.source_key} {self.record_key} {'=' if self.same else '≠'} {self.existing_id}"
