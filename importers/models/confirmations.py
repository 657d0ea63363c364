"""An editor's bulk confirmation of suggested codes, run in the background (django-q2).

The admin screen of suggested codes writes the keyword rules at once (a rule is one row) and
queues the coding of the pages (a revision each, minutes for thousands): this row says what to
do, how far the task got and what it did, so the screen shows its progress.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CodeConfirmation(models.Model):
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [
        (QUEUED, _("en attente")),
        (RUNNING, _("en cours")),
        (DONE, _("terminée")),
        (FAILED, _("échouée")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # [{"label", "source_key", "keyword_key", "codes": [...], "pages": [ids]}, …]: what
    # to code, one entry per confirmed row ("keyword_key" "" for a title-and-text row).
    rows = models.JSONField(default=list)
    # The same rows' identity, to refuse queueing twice what is queued or running.
    fingerprint = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED)
    pages_total = models.PositiveIntegerField(default=0)
    # Rows finished (a retried task resumes after them) and pages done so far.
    rows_done = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)  # {"coded", "unchanged", "curated"}
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("confirmation de codes suggérés")
        verbose_name_plural = _("confirmations de codes suggérés")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def labels(self) -> list[str]:
        return [row.get("label", "") for row in self.rows]

    @property
    def percent(self) -> int:
        if self.status == self.DONE or not self.pages_total:
            return 100 if self.status == self.DONE else 0
        return min(99, round(100 * self.pages_done / self.pages_total))
