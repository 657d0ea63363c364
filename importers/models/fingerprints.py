"""What each record of a source looked like, raw, when last written: an unchanged item is
recognised before any normalisation, geocoding or page lookup (re-runs at thousands per
second). The page an item was read from is kept too: a run resuming an interrupted one skips
the pages that run already wrote (``importers.resume``)."""

from django.db import models
from django.utils import timezone


class ItemFingerprint(models.Model):
    source = models.ForeignKey(
        "importers.Source", on_delete=models.CASCADE, related_name="fingerprints"
    )
    # "id:<source id>" or "url:<page URL>": the record's key within its source.
    key = models.CharField(max_length=1100)
    raw_hash = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now)
    # The detail page the item was read from ("" for items read from a list, a file or an API).
    url = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="unique_item_fingerprint")
        ]

    def __str__(self):
        return self.key
