"""Factories for catalogue pages (wagtail-factories builds them in the page tree)."""

import factory
import wagtail_factories

from catalogue import models


class ProjectIndexPageFactory(wagtail_factories.PageFactory):
    title = "Projets"
    slug = "projets"

    class Meta:
        model = models.ProjectIndexPage


class PartnerIndexPageFactory(wagtail_factories.PageFactory):
    title = "Partenaires"
    slug = "partenaires"

    class Meta:
        model = models.PartnerIndexPage


class PartnerPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Partenaire {n}")
    website = "https://www.apriles.net/"

    class Meta:
        model = models.PartnerPage


class ProjectPageFactory(wagtail_factories.PageFactory):
    # Real La France s'engage laureate used as the default record.
    title = factory.Sequence(lambda n: f"La Cravate Solidaire {n}")
    summary = (
        "La Cravate Solidaire collecte des tenues professionnelles pour les distribuer aux "
        "personnes accompagnées et faciliter leur retour à l'emploi."
    )
    structure_name = "La Cravate Solidaire"
    structure_kind = "association"
    postal_code = "75013"
    city = "Paris 13e Arrondissement"
    insee_code = "75113"
    latitude = 48.830245
    longitude = 2.3646353

    class Meta:
        model = models.ProjectPage


class ArticleIndexPageFactory(wagtail_factories.PageFactory):
    title = "Actualités"
    slug = "actualites"

    class Meta:
        model = models.ArticleIndexPage


class ArticlePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Actualité {n}")
    intro = "Une nouvelle du Carrefour."

    class Meta:
        model = models.ArticlePage
