"""A partner source: where and how to harvest, politely, on which schedule.

The extraction configuration is stored as JSON (``importers.crawl.config`` dataclasses'
``to_dict()`` without the common part), validated on save with French messages so a wrong
configuration is caught when an editor saves it, not when a scheduled run silently fails.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .partners import ProposalStatus

DEFAULT_SCHEDULE = "0 3 * * 1"  # weekly, Monday 03:00


class SourceKind(models.TextChoices):
    HTML = "html", _("Pages HTML (liste → fiches)")
    JSON = "json", _("API JSON")
    CSV = "csv", _("Fichier CSV")
    SITEMAP = "sitemap", _("Sitemap")
    RSS = "rss", _("Flux RSS / Atom")
    PEER = "peer", _("Autre plateforme (flux de changements, JSON-LD)")


class Normaliser(models.TextChoices):
    GENERIC = "generic", _("Générique (noms de champs)")
    APRILES = "apriles", _("Apriles (fiche contact, régions)")
    APRILES_EXPORT = "apriles_export", _("Export OpenScraper d'Apriles (CSV décalé)")
    FFE = "ffe", _("La France s'engage (CSV au format d'import CIS)")


def validate_cron(value: str) -> None:
    from croniter import croniter

    if not croniter.is_valid((value or "").strip()):
        raise ValidationError(
            _("Expression cron invalide « %(value)s » (exemple : « 0 3 * * 1 », le lundi à 3 h)."),
            params={"value": value},
        )


class Source(models.Model):
    """One partner directory harvested by Carrefour."""

    name = models.CharField(
        _("nom"),
        max_length=120,
        unique=True,
        help_text=_("Nom de la source, comme dans openscraper-spiders.json (ex. « Apriles »)."),
    )
    partner = models.ForeignKey(
        "catalogue.PartnerPage",
        verbose_name=_("partenaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="harvest_sources",
    )
    kind = models.CharField(_("type"), max_length=10, choices=SourceKind.choices, default="html")
    enabled = models.BooleanField(
        _("active"), default=True, help_text=_("Récoltée selon le calendrier.")
    )
    schedule = models.CharField(
        _("calendrier (cron)"),
        max_length=100,
        default=DEFAULT_SCHEDULE,
        validators=[validate_cron],
        help_text=_("Minute heure jour mois jour-de-semaine ; par défaut chaque lundi à 3 h."),
    )
    # Politeness and limits.
    download_delay = models.FloatField(
        _("délai entre requêtes (s)"), default=1.0, validators=[MinValueValidator(0.0)]
    )
    concurrency = models.PositiveSmallIntegerField(
        _("requêtes simultanées"), default=2, validators=[MinValueValidator(1)]
    )
    obey_robots = models.BooleanField(_("respecter robots.txt"), default=True)
    download_timeout = models.FloatField(
        _("délai d'attente (s)"), default=30.0, validators=[MinValueValidator(1.0)]
    )
    max_pages = models.PositiveIntegerField(
        _("pages de liste au plus"), default=0, help_text=_("0 : sans limite.")
    )
    max_items = models.PositiveIntegerField(
        _("fiches au plus par collecte"), default=0, help_text=_("0 : sans limite.")
    )
    licence = models.TextField(
        _("licence et attribution"),
        blank=True,
        help_text=_("Conditions de réutilisation des fiches et mention à afficher."),
    )
    config = models.JSONField(
        _("configuration d'extraction"),
        default=dict,
        blank=True,
        help_text=_("Sélecteurs et adresses propres au type de source (voir l'aide)."),
    )
    csv_file = models.FileField(
        _("fichier CSV déposé"),
        upload_to="importers/csv/",
        blank=True,
        help_text=_("Pour une source CSV sans URL."),
    )
    spider_class = models.CharField(
        _("spider spécifique"),
        max_length=200,
        blank=True,
        help_text=_("Nom d'une classe de spider enregistrée ; vide : le spider générique."),
    )
    normaliser = models.CharField(
        _("normalisation"), max_length=20, choices=Normaliser.choices, default="generic"
    )
    mapping_label = models.CharField(
        _("nom dans les tables de correspondance"),
        max_length=120,
        blank=True,
        help_text=_("Nom de la source dans les correspondances mots-clés → nomenclature."),
    )
    unlisted_after = models.PositiveSmallIntegerField(
        _("collectes complètes manquées avant « plus référencé »"),
        default=2,
        validators=[MinValueValidator(1)],
    )
    unpublish_unlisted = models.BooleanField(
        _("dépublier les fiches plus référencées"),
        default=False,
        help_text=_("Sinon elles restent en ligne avec la mention « plus référencé »."),
    )
    import_notes = models.TextField(_("remarques d'import"), blank=True)
    needs_attention = models.BooleanField(_("à vérifier"), default=False, db_index=True)
    attention_reason = models.TextField(_("motif"), blank=True)
    # A source proposed from the front end by a member with the partner role (models/partners.py).
    proposal_status = models.CharField(
        _("proposition"), max_length=10, choices=ProposalStatus.choices, default="", blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    proposed_at = models.DateTimeField(_("proposée le"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examinée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("examinée le"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.mapping_label:
            from importers.recoding import match_mapping_label

            self.mapping_label = match_mapping_label(self.name) or ""
        super().save(*args, **kwargs)
        from importers.schedules import sync_schedule

        sync_schedule(self)

    def delete(self, *args, **kwargs):
        from importers.schedules import remove_schedule

        remove_schedule(self)
        return super().delete(*args, **kwargs)

    # -- configuration ----------------------------------------------------------------------
    def config_dict(self) -> dict:
        """The full ``SourceConfig.to_dict()`` built from the model's fields."""
        data = dict(self.config or {})
        data.pop("kind", None)
        data.pop("name", None)
        data.pop("limits", None)
        if self.kind == "csv" and self.csv_file and not data.get("url"):
            data["path"] = self.csv_file.path
        return {
            **data,
            "kind": self.kind,
            "name": self.name,
            "spider": self.spider_class,
            "limits": {
                "max_pages": self.max_pages,
                "max_items": self.max_items,
                "download_delay": self.download_delay,
                "concurrency": self.concurrency,
                "obey_robots": self.obey_robots,
                "download_timeout": self.download_timeout,
            },
        }

    def build_config(self):
        """The crawl configuration; raises ``ConfigError`` (French messages) when unusable."""
        from importers.crawl.config import ConfigError, config_from_dict

        try:
            config = config_from_dict(self.config_dict())
            problems = config.validate()
        except (TypeError, AttributeError, KeyError, ValueError) as error:
            if isinstance(error, ConfigError):
                raise
            # A value of the wrong type where the checks expect another ("fields": 12, a list
            # of names where selectors are expected): a form error, never a 500.
            raise ConfigError(
                str(
                    _("Configuration mal formée : une valeur n'a pas le type attendu (%(error)s).")
                    % {"error": error}
                )
            ) from error
        if problems:
            raise ConfigError(problems)
        return config

    def config_problems(self) -> list[str]:
        from importers.crawl.config import ConfigError

        if not isinstance(self.config, dict):
            return [str(_("La configuration doit être un objet JSON ({…})."))]
        try:
            self.build_config()
        except ConfigError as error:
            return error.messages
        if self.spider_class:
            from importers.crawl.config import ConfigError as CE
            from importers.crawl.spiders import get_spider_class

            try:
                get_spider_class(self.build_config())
            except CE as error:
                return error.messages
        return []

    def clean(self):
        super().clean()
        problems = self.config_problems()
        if problems:
            raise ValidationError({"config": problems})

    # -- runs ---------------------------------------------------------------------------
    @property
    def last_run(self):
        return self.runs.order_by("-started_at").first()
