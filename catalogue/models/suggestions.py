"""Suggested nomenclature codes: what a project most likely is, until an editor says.

A harvested record whose keywords no rule maps gets codes suggested from what the project
already knows (the importers compute them; see `importers.suggest`). They are kept apart from
the page's confirmed codes and outside its revisions, like its provenance: an editor's
confirmation turns them into confirmed codes through `catalogue.services`, and a suggestion
never rolls back or overrides what an editor chose.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .projects import ProjectPage
from .taxonomy import NomenclatureCode


class SuggestedCode(models.Model):
    project = models.ForeignKey(
        ProjectPage, on_delete=models.CASCADE, related_name="suggested_codes"
    )
    code = models.ForeignKey(NomenclatureCode, on_delete=models.CASCADE, related_name="suggestions")
    source_key = models.CharField(_("source"), max_length=120, blank=True)
    # The record's keyword it came from (folded), "" when from the title and description.
    keyword = models.CharField(_("mot-clé"), max_length=255, blank=True)
    keyword_key = models.CharField(max_length=255, blank=True, db_index=True)
    score = models.FloatField(default=0.0)
    # Why: [{"how", "kind", "text", "origin"}, …] (see importers.suggest.Suggestion.as_dict)
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score"]
        verbose_name = _("code suggéré")
        verbose_name_plural = _("codes suggérés")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="unique_suggested_code")
        ]
        indexes = [models.Index(fields=["source_key", "keyword_key"])]

    def __str__(self):
        return f"{self.project_id}: {self.code_id} ({self.keyword})"
