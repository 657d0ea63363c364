"""The change feed's events: one row per change of a project page (`catalogue.changefeed`).

Appended by the one write path (`catalogue.changes.changed(pages=…)`), never by callers. A
page's latest event is `current`; the feed (`/api/changes`) lists only current events, so a
subscriber that resumes from a cursor gets each changed page once, in its latest state.
`announced` says the page has been public at this event or before: a page that never was is
never mentioned, not even as unpublished. `version` is stamped once the writer's transaction
commits, in commit order: the feed lists events by it, so a reader's cursor never passes an
event committed late by a long transaction.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("créée")
        UPDATED = "updated", _("modifiée")
        UNPUBLISHED = "unpublished", _("retirée")
        ARCHIVED = "archived", _("archivée")
        MERGED = "merged", _("fusionnée")

    # No foreign key: the events of a deleted page outlive it (as "unpublished").
    page_id = models.BigIntegerField(_("fiche"))
    kind = models.CharField(_("changement"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("date"), default=timezone.now)
    # The catalogue's data version this change made (`CatalogueState.version`, set at commit).
    version = models.BigIntegerField(default=0)
    merged_into = models.BigIntegerField(null=True, blank=True)
    current = models.BooleanField(default=True)
    announced = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("changement du catalogue")
        verbose_name_plural = _("changements du catalogue")
        indexes = [
            models.Index(fields=["page_id", "current"], name="changeevent_page"),
            # The feed's order: commit order (the version stamped at commit), then id.
            models.Index(
                fields=["version", "id"],
                name="changeevent_feed_order",
                condition=models.Q(current=True, announced=True),
            ),
            models.Index(
                fields=["at"], name="changeevent_unstamped", condition=models.Q(version=0)
            ),
            models.Index(fields=["at"], name="changeevent_at"),
        ]

    def __str__(self):
        return f"{self.page_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class OutcomeSnapshot(models.Model):
    """What a project's followers were last told about (`catalogue.outcomes`): its stage, its
    distinctions and the partners listing it, as of its last change. The next change is
    compared with it; a difference is an outcome (a new stage, distinction or partner)."""

    # No foreign key (as `ChangeEvent`): a page being deleted may be observed on its way out.
    page_id = models.BigIntegerField(primary_key=True)
    stage = models.CharField(max_length=20, blank=True)
    # "name|year" of each distinction; the partners' identities ("p:<id>" or "s:<source key>").
    distinctions = models.JSONField(default=list)
    partners = models.JSONField(default=list)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("état suivi d'un projet")
        verbose_name_plural = _("états suivis des projets")

    def __str__(self):
        return f"{self.page_id}: {self.stage}"
