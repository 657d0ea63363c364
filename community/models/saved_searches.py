"""Saved searches: any state of the catalogue search (the URL parameters of `/projets/`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("nom"), max_length=120)
    # Canonical parameters (`SearchQuery.to_params(page=False)`, urlencoded), without "?".
    query_string = models.CharField(max_length=2000, blank=True)
    notify = models.BooleanField(_("me prévenir des nouveaux projets"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Projects first published after this instant are "new" for this search.
    last_checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("recherche enregistrée")
        verbose_name_plural = _("recherches enregistrées")
        constraints = [
            models.UniqueConstraint(fields=["user", "query_string"], name="unique_saved_search"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return "/projets/" + (f"?{self.query_string}" if self.query_string else "")

    def query(self):
        from urllib.parse import parse_qs

        from catalogue.search import SearchQuery

        return SearchQuery.from_params(parse_qs(self.query_string))
