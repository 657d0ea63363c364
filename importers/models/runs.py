"""Harvest runs: what each run saw, created, changed and what went wrong (per item)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COUNTERS = ("seen", "created", "updated", "unchanged", "invalid", "failed", "unlisted")


class HarvestRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("en cours")
        SUCCESS = "success", _("réussie")
        PARTIAL = "partial", _("réussie avec erreurs")
        FAILED = "failed", _("échouée")
        INTERRUPTED = "interrupted", _("interrompue")

    class Trigger(models.TextChoices):
        COMMAND = "command", _("commande")
        ADMIN = "admin", _("administration")
        SCHEDULE = "schedule", _("calendrier")

    source = models.ForeignKey(
        "importers.Source", on_delete=models.CASCADE, related_name="runs", verbose_name=_("source")
    )
    started_at = models.DateTimeField(_("début"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    trigger = models.CharField(
        _("déclenchement"), max_length=10, choices=Trigger.choices, default=Trigger.COMMAND
    )
    dry_run = models.BooleanField(_("essai à blanc"), default=False)
    item_limit = models.PositiveIntegerField(_("limite"), null=True, blank=True)
    complete = models.BooleanField(
        _("complète"),
        default=False,
        help_text=_("Toute la source a été lue : les absences comptent pour « plus référencé »."),
    )
    seen = models.PositiveIntegerField(_("vues"), default=0)
    created = models.PositiveIntegerField(_("créées"), default=0)
    updated = models.PositiveIntegerField(_("mises à jour"), default=0)
    unchanged = models.PositiveIntegerField(_("inchangées"), default=0)
    invalid = models.PositiveIntegerField(_("invalides"), default=0)
    failed = models.PositiveIntegerField(_("en échec"), default=0)
    unlisted = models.PositiveIntegerField(_("plus référencées"), default=0)
    merged = models.PositiveIntegerField(_("rattachées à une fiche existante"), default=0)
    queued = models.PositiveIntegerField(_("doublons à examiner"), default=0)
    needs_attention = models.BooleanField(_("à vérifier"), default=False)
    attention_reasons = models.JSONField(default=list, blank=True)
    diagnostics = models.JSONField(default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("collecte")
        verbose_name_plural = _("collectes")

    def __str__(self):
        return f"{self.source} — {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"

    @property
    def duration(self):
        end = self.finished_at or timezone.now()
        return end - self.started_at

    @property
    def duration_display(self) -> str:
        seconds = int(self.duration.total_seconds())
        if seconds < 60:
            return f"{seconds} s"
        minutes, seconds = divmod(seconds, 60)
        if minutes < 60:
            return f"{minutes} min {seconds:02d} s"
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes:02d} min"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in (*COUNTERS, "merged", "queued")}

    def counts_line(self) -> str:
        labels = {
            "seen": "vues",
            "created": "créées",
            "updated": "mises à jour",
            "unchanged": "inchangées",
            "invalid": "invalides",
            "failed": "en échec",
            "unlisted": "plus référencées",
            "merged": "rattachées",
            "queued": "doublons à examiner",
        }
        return ", ".join(f"{labels[k]} {v}" for k, v in self.counts().items())


class HarvestError(models.Model):
    """One problem of a run: the page it happened on and a reason editors can act on."""

    run = models.ForeignKey(HarvestRun, on_delete=models.CASCADE, related_name="errors")
    kind = models.CharField(_("type"), max_length=20)
    severity = models.CharField(_("gravité"), max_length=10, default="error")
    url = models.URLField(_("page"), max_length=1000, blank=True)
    list_url = models.URLField(_("page de liste"), max_length=1000, blank=True)
    position = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(_("fiche"), max_length=255, blank=True)
    reason = models.TextField(_("motif"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("erreur de collecte")
        verbose_name_plural = _("erreurs de collecte")

    def __str__(self):
        return f"{self.kind}: {self.url} — {self.reason}"
