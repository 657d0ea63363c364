"""Factories for catalogue pages (wagtail-factories builds them in the page tree), and real
records made pages through the one write path (`make_project`)."""

import factory
import wagtail_factories

from catalogue import models, services
from catalogue.records import ProjectRecord


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


def ffe_record(**overrides):
    """A real laureate record (ffe-laureates.csv): La Cravate Solidaire."""
    values = dict(
        title="La Cravate Solidaire",
        source_id="22ae7458-3f1e-52fe-9982-6b1287bf30d2",
        summary="Collecte de tenues professionnelles pour faciliter le retour à l'emploi.",
        description="La Cravate Solidaire collecte des tenues professionnelles.",
        website="https://lacravatesolidaire.org/",
        contact_phone="01 00 00 00 00",
        postal_code="75013",
        city="Paris 13e Arrondissement",
        insee_code="75113",
        latitude=48.830245,
        longitude=2.3646353,
        codes=["EMP"],
    )
    values.update(overrides)
    return ProjectRecord(**values)


def other_record(**overrides):
    """Another real laureate (ffe-laureates.csv): Lire et faire lire."""
    values = dict(
        title="Lire et faire lire",
        source_id="lire-et-faire-lire",
        summary="Des bénévoles de plus de 50 ans lisent des histoires aux enfants.",
        website="https://www.lireetfairelire.org/",
        postal_code="75013",
        city="Paris 13e Arrondissement",
        insee_code="75113",
        latitude=48.8282,
        longitude=2.3622,
        codes=["EDU"],
    )
    values.update(overrides)
    return ProjectRecord(**values)


def make_project(record=None, source_key="ffe"):
    return services.upsert_project(record or ffe_record(), source_key=source_key).page
