"""Partners: the organisations whose directories Carrefour harvests."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from ..collation import Collated
from ..validators import http_url_validator


class PartnerIndexPage(Page):
    """Lists the partners (`/partenaires/`)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["catalogue.PartnerPage"]
    max_count = 1

    class Meta:
        verbose_name = _("index des partenaires")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        partners = PartnerPage.objects.child_of(self).live().order_by(Collated("title"), "title")
        context["partners"] = partners.annotate(
            project_total=models.Count(
                "project_sources__project",
                filter=models.Q(project_sources__project__live=True),
                distinct=True,
            )
        )
        return context


class PartnerPage(Page):
    """One partner organisation; projects point to it through their provenance."""

    logo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = RichTextField(_("description"), blank=True)
    website = models.URLField(
        _("site web"), max_length=500, blank=True, validators=[http_url_validator]
    )
    data_licence = models.CharField(
        _("licence des données"),
        max_length=255,
        blank=True,
        help_text=_(
            "Licence sous laquelle le partenaire publie ses fiches, ou mention d'attribution."
        ),
    )
    scale = models.CharField(_("échelle d'action"), max_length=120, blank=True)
    category = models.CharField(_("catégorie"), max_length=120, blank=True)
    activities = models.CharField(_("activités"), max_length=255, blank=True)
    openscraper_spider_id = models.CharField(
        _("identifiant OpenScraper"), max_length=64, blank=True
    )
    contact_email = models.EmailField(
        _("adresse de contact"),
        blank=True,
        help_text=_(
            "Reçoit chaque mois le relevé des corrections apportées aux fiches du partenaire "
            "(jamais affichée sur le site)."
        ),
    )

    content_panels = Page.content_panels + [
        FieldPanel("logo"),
        FieldPanel("description"),
        FieldPanel("website"),
        MultiFieldPanel(
            [
                FieldPanel("data_licence"),
                FieldPanel("scale"),
                FieldPanel("category"),
                FieldPanel("activities"),
                FieldPanel("openscraper_spider_id"),
                FieldPanel("contact_email"),
            ],
            heading=_("Données"),
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("description")]
    parent_page_types = ["catalogue.PartnerIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")

    @property
    def project_count(self):
        """Number of published projects this partner brings."""
        return self.project_sources.filter(project__live=True).values("project").distinct().count()

    def get_context(self, request, *args, **kwargs):
        from .projects import ProjectPage

        context = super().get_context(request, *args, **kwargs)
        context["projects"] = (
            ProjectPage.objects.live()
            .filter(sources__partner=self)
            .distinct()
            .select_related("image")
            .prefetch_related("sources__partner", "codes")
            .order_by(Collated("title"), "title")[:24]
        )
        return context
