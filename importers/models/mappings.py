"""Recoding rules: a source's own tags → CIS nomenclature codes, and the tags not mapped yet."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class TagMapping(models.Model):
    """``source_label`` is the source's name in the mapping tables (e.g. "ODAS - APRILES")."""

    source_label = models.CharField(_("source"), max_length=120, db_index=True)
    tag = models.CharField(_("mot-clé de la source"), max_length=255)
    tag_key = models.CharField(max_length=255, editable=False, db_index=True)
    codes = models.ManyToManyField(
        "catalogue.NomenclatureCode",
        blank=True,
        related_name="tag_mappings",
        verbose_name=_("codes de la nomenclature"),
    )
    origin = models.CharField(
        _("origine"), max_length=40, blank=True, help_text=_("Table d'où vient la règle.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    panels = [
        FieldPanel("source_label"),
        FieldPanel("tag"),
        FieldPanel("codes", widget=forms.CheckboxSelectMultiple),
    ]

    class Meta:
        ordering = ["source_label", "tag"]
        verbose_name = _("correspondance de mot-clé")
        verbose_name_plural = _("correspondances de mots-clés")
        constraints = [
            models.UniqueConstraint(fields=["source_label", "tag_key"], name="unique_tag_mapping")
        ]

    def __str__(self):
        return f"{self.source_label} / {self.tag}"

    def save(self, *args, **kwargs):
        from importers.recoding import tag_key

        self.tag_key = tag_key(self.tag)
        super().save(*args, **kwargs)

    def clean(self):
        """The same keyword in another spelling (case, accents) is a form error, not a 500:
        ``tag_key`` is not on the form, so its unique constraint is not checked there."""
        from importers.recoding import tag_key

        super().clean()
        self.tag_key = tag_key(self.tag or "")
        twins = TagMapping.objects.filter(source_label=self.source_label, tag_key=self.tag_key)
        twin = twins.exclude(pk=self.pk).first()
        if twin:
            raise ValidationError(
                {
                    "tag": _("Une règle existe déjà pour ce mot-clé dans cette source : « %(tag)s ».")
                    % {"tag": twin.tag}
                }
            )

    def codes_display(self) -> str:
        return ", ".join(sorted(c.code for c in self.codes.all()))

    codes_display.short_description = _("codes")


class UnknownTag(models.Model):
    """A tag a harvest met with no mapping: kept raw on the page, listed here to be mapped."""

    source = models.ForeignKey(
        "importers.Source", on_delete=models.CASCADE, related_name="unknown_tags"
    )
    tag = models.CharField(_("mot-clé"), max_length=255)
    tag_key = models.CharField(max_length=255, db_index=True)
    occurrences = models.PositiveIntegerField(_("fiches"), default=0)
    example_url = models.URLField(_("exemple"), max_length=1000, blank=True)
    first_seen = models.DateTimeField(_("vu la première fois"), default=timezone.now)
    last_seen = models.DateTimeField(_("vu la dernière fois"), default=timezone.now)

    class Meta:
        ordering = ["-occurrences", "tag"]
        verbose_name = _("mot-clé sans correspondance")
        verbose_name_plural = _("mots-clés sans correspondance")
        constraints = [
            models.UniqueConstraint(fields=["source", "tag_key"], name="unique_unknown_tag")
        ]

    def __str__(self):
        return f"{self.source} / {self.tag}"
