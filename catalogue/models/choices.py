"""Closed vocabularies of the catalogue, shared by models, forms, search and the API."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StructureKind(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    COLLECTIVITE = "collectivite", _("Collectivité")
    ENTREPRISE = "entreprise", _("Entreprise")
    ESS = "ess", _("Entreprise de l'ESS")
    ETAT = "etat", _("État")
    CITOYENS = "citoyens", _("Citoyens")
    OTHER = "autre", _("Autre")


class Stage(models.TextChoices):
    IDEATION = "ideation", _("Idéation")
    DEVELOPPEMENT = "developpement", _("Développement")
    AMORCAGE = "amorcage", _("Amorçage")
    ESSAIMAGE = "essaimage", _("Essaimage")


class Scale(models.TextChoices):
    QUARTIER = "quartier", _("Quartier")
    COMMUNE = "commune", _("Commune")
    INTERCOMMUNALITE = "intercommunalite", _("Intercommunalité")
    DEPARTEMENT = "departement", _("Département")
    REGION = "region", _("Région")
    NATIONAL = "national", _("National")


class TaxonomyFamily(models.TextChoices):
    DOMAINES = "domaines", _("Domaines")
    PUBLICS = "publics", _("Publics")
    METHODES = "methodes", _("Méthodes")


# Labels as they appear in cis-taxonomy.json, mapped to the family values.
FAMILY_BY_LABEL = {
    "Domaines": TaxonomyFamily.DOMAINES,
    "Publics": TaxonomyFamily.PUBLICS,
    "Méthodes": TaxonomyFamily.METHODES,
}
