"""When a person last confirmed a project page, and where its yearly reminders stand.

Kept outside page revisions (like `ProjectSource`): restoring an old revision never rolls a
confirmation back. Sources confirm through their `ProjectSource.last_seen` (every harvest
run that lists a record sets it, in bulk); this row holds the holders' and editors'
confirmations, the reminder state of claimed pages and the archive mark of unlisted ones.
The rules live in `catalogue.confirmation`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectConfirmation(models.Model):
    class By(models.TextChoices):
        HOLDER = "holder", _("le porteur du projet")
        EDITOR = "editor", _("l'équipe éditoriale")

    page = models.OneToOneField(
        "catalogue.ProjectPage",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="confirmation",
    )
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    confirmed_by = models.CharField(max_length=10, choices=By.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reminders sent to the holders since the last confirmation (0, 1, 2), and when the last went.
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # Claimed, unanswered after the reminders: labelled "à vérifier", in the editors' queue.
    to_verify = models.BooleanField(_("à vérifier"), default=False, db_index=True)
    # Unclaimed, no longer listed by any source for N runs: unpublished, answering 410.
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("confirmation de fiche")
        verbose_name_plural = _("confirmations de fiches")

    def __str__(self):
        return f"{self.page_id}: {self.confirmed_at} ({self.confirmed_by})"
