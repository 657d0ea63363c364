"""The CIS nomenclature (40 codes) and the filter groups users see above it."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from .choices import TaxonomyFamily


class TaxonomyGroup(index.Indexed, models.Model):
    """A filter level shown to users (e.g. Domaines › Habitat), grouping nomenclature codes."""

    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    family = models.CharField(_("famille"), max_length=20, choices=TaxonomyFamily.choices)
    name = models.CharField(_("nom"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("family"),
        FieldPanel("slug"),
        FieldPanel("sort_order"),
    ]
    search_fields = [index.SearchField("name"), index.FilterField("family")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("groupe de thématiques")
        verbose_name_plural = _("groupes de thématiques")

    def __str__(self):
        return f"{self.get_family_display()} › {self.name}"


class NomenclatureCode(index.Indexed, models.Model):
    """One of the CIS nomenclature codes (AGR, HAB, …) that projects carry."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("libellé"), max_length=120)
    description = models.TextField(_("mots-clés"), blank=True)
    groups = models.ManyToManyField(
        TaxonomyGroup, blank=True, related_name="codes", verbose_name=_("groupes")
    )

    panels = [
        FieldPanel("code"),
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("groups", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("code")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("code de nomenclature")
        verbose_name_plural = _("codes de nomenclature")

    def __str__(self):
        return f"{self.name} ({self.code})"
