"""Editorial pages: home, standard pages, news."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from ..blocks import BaseStreamBlock


class HomePage(Page):
    """The home page: hero, featured innovations, latest news, key figures."""

    hero_title = models.CharField(_("titre d'accroche"), max_length=255, blank=True)
    hero_text = models.TextField(_("texte d'accroche"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_cta_label = models.CharField(_("libellé du bouton"), max_length=80, blank=True)
    hero_cta_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    featured_title = models.CharField(
        _("titre de la sélection"), max_length=255, default=_("Coups de cœur de la rédaction")
    )
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("contenu"))

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_cta_label"),
                PageChooserPanel("hero_cta_page"),
            ],
            heading=_("Accroche"),
        ),
        FieldPanel("featured_title"),
        InlinePanel("featured_projects", label=_("Innovations mises en avant"), max_num=12),
        FieldPanel("body"),
    ]
    max_count = 1

    class Meta:
        verbose_name = _("page d'accueil")

    def get_context(self, request, *args, **kwargs):
        from .partners import PartnerPage
        from .projects import ProjectPage

        context = super().get_context(request, *args, **kwargs)
        featured = [
            item.project.specific
            for item in self.featured_projects.select_related("project").all()
            if item.project and item.project.live
        ]
        if not featured:
            featured = list(
                ProjectPage.objects.live()
                .public()
                .filter(coup_de_coeur=True)
                .select_related("image")
                .prefetch_related("sources__partner", "codes")
                .order_by("-first_published_at")[:6]
            )
        context["featured_projects"] = featured
        context["latest_news"] = (
            ArticlePage.objects.live().public().order_by("-date", "-first_published_at")[:3]
        )
        context["key_figures"] = {
            **project_figures(),
            "partners": PartnerPage.objects.live().count(),
        }
        return context


def project_figures() -> dict[str, int]:
    """Projects, regions and communes of the catalogue, counted once per data version: the
    two DISTINCT counts take most of a home page's time at 100,000 projects (0.7 s)."""
    from django.core.cache import cache

    from .. import freshness
    from .projects import ProjectPage

    key = f"home:figures:{freshness.current()}"
    figures = cache.get(key)
    if figures is None:
        projects = ProjectPage.objects.live().public()
        figures = {
            "projects": projects.count(),
            "regions": projects.exclude(region_code="").values("region_code").distinct().count(),
            "communes": projects.exclude(insee_code="").values("insee_code").distinct().count(),
        }
        cache.set(key, figures, 3600)
    return figures


class HomeFeaturedProject(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_projects")
    project = models.ForeignKey(
        "catalogue.ProjectPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("projet"),
    )

    panels = [PageChooserPanel("project", page_type="catalogue.ProjectPage")]


class StandardPage(Page):
    """A free editorial page (about, thematic dossier, help…)."""

    intro = models.TextField(_("chapeau"), blank=True)
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("contenu"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("page standard")


class ArticleIndexPage(Page):
    """News index (`/actualites/`)."""

    intro = models.TextField(_("chapeau"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["catalogue.ArticlePage"]

    class Meta:
        verbose_name = _("index des actualités")

    def get_context(self, request, *args, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.child_of(self).live().public().order_by("-date")
        context["articles"] = Paginator(articles, 12).get_page(request.GET.get("page"))
        return context


class ArticlePage(Page):
    """A news item or a feature article."""

    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(_("chapeau"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = StreamField(BaseStreamBlock(), blank=True, verbose_name=_("contenu"))

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["catalogue.ArticleIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
