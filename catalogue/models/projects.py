"""Project pages: one social innovation each, with its provenance."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtailgeowidget.panels import LeafletPanel

from ..panels import ProvenancePanel
from ..project_fields import CURATABLE_FIELDS  # noqa: F401 - declared with every field
from ..richtext import DESCRIPTION_FEATURES
from ..validators import (
    http_url_validator,
    validate_insee_code,
    validate_latitude,
    validate_longitude,
    validate_postal_code,
)
from .choices import Scale, Stage, StructureKind

POINT_RE = re.compile(r"POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)")


def format_point(lat, lng):
    """wagtailgeowidget's storage format: longitude first."""
    return f"SRID=4326;POINT({lng} {lat})"


def parse_point(value):
    """Return (lat, lng) from wagtailgeowidget's string, or (None, None)."""
    match = POINT_RE.search(value or "")
    if not match:
        return None, None
    lng, lat = float(match.group(1)), float(match.group(2))
    return lat, lng


class ProjectIndexPage(RoutablePageMixin, Page):
    """The catalogue of projects (`/projets/`): the search results page, and the parent of
    every project page. `/projets/guide/` is the guided search (Quoi ? Pour qui ? Où ?)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["catalogue.ProjectPage"]
    max_count = 1

    class Meta:
        verbose_name = _("catalogue des projets")

    # The search module is imported at call time: it imports the page models, so a module-level
    # import here would close the loop models -> search -> models.
    @path("")
    def search(self, request):
        from ..search.views import search_page

        return search_page(self, request)

    @path("guide/")
    def guide(self, request):
        from ..search.views import guide_page

        return guide_page(self, request)

    def get_context(self, request, *args, **kwargs):
        from ..search.views import search_context

        context = super().get_context(request, *args, **kwargs)
        if not kwargs.get("skip_search"):
            context.update(search_context(request, self))
        return context


class ProjectTag(TaggedItemBase):
    content_object = ParentalKey(
        "catalogue.ProjectPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ProjectPage(Page):
    """A social innovation. Imported fields may be curated by editors or the project's holder."""

    summary = models.TextField(
        _("résumé"), max_length=600, blank=True, help_text=_("Deux ou trois phrases, texte brut.")
    )
    # The "description" editor (settings) stores "" for an empty editor; see catalogue.widgets.
    description = RichTextField(
        _("description"), blank=True, editor="description", features=list(DESCRIPTION_FEATURES)
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )

    website = models.URLField(
        _("site du projet"), max_length=500, blank=True, validators=[http_url_validator]
    )
    facebook_url = models.URLField(
        "Facebook", max_length=500, blank=True, validators=[http_url_validator]
    )
    twitter_url = models.URLField(
        "X / Twitter", max_length=500, blank=True, validators=[http_url_validator]
    )
    linkedin_url = models.URLField(
        "LinkedIn", max_length=500, blank=True, validators=[http_url_validator]
    )
    instagram_url = models.URLField(
        "Instagram", max_length=500, blank=True, validators=[http_url_validator]
    )
    youtube_url = models.URLField(
        "YouTube", max_length=500, blank=True, validators=[http_url_validator]
    )
    contact_email = models.EmailField(
        _("courriel de contact de la structure"),
        blank=True,
        help_text=_(
            "Adresse publique de la structure, jamais celle d'une personne sans son accord."
        ),
    )
    contact_phone = models.CharField(_("téléphone de la structure"), max_length=40, blank=True)

    structure_name = models.CharField(_("structure porteuse"), max_length=255, blank=True)
    structure_kind = models.CharField(
        _("type de structure"), max_length=20, blank=True, choices=StructureKind.choices
    )
    start_year = models.PositiveSmallIntegerField(
        _("année de lancement"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    stage = models.CharField(_("stade"), max_length=20, blank=True, choices=Stage.choices)
    scale = models.CharField(
        _("échelle territoriale"), max_length=20, blank=True, choices=Scale.choices
    )

    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, blank=True, validators=[validate_postal_code]
    )
    city = models.CharField(_("commune"), max_length=120, blank=True)
    insee_code = models.CharField(
        _("code commune INSEE"),
        max_length=5,
        blank=True,
        validators=[validate_insee_code],
        db_index=True,
    )
    department_code = models.CharField(
        _("département"), max_length=3, blank=True, db_index=True, editable=False
    )
    department_name = models.CharField(
        _("nom du département"), max_length=80, blank=True, editable=False
    )
    region_code = models.CharField(
        _("région"), max_length=3, blank=True, db_index=True, editable=False
    )
    region_name = models.CharField(_("nom de la région"), max_length=80, blank=True, editable=False)
    location = models.CharField(_("localisation"), max_length=250, blank=True)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, db_index=True, validators=[validate_latitude]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, db_index=True, validators=[validate_longitude]
    )
    location_note = models.CharField(
        _("remarque sur la localisation"),
        max_length=255,
        blank=True,
        help_text=_("Renseignée quand la localisation importée a été corrigée ou reste douteuse."),
    )

    codes = ParentalManyToManyField(
        "catalogue.NomenclatureCode",
        blank=True,
        related_name="projects",
        verbose_name=_("thématiques (nomenclature)"),
    )
    tags = ClusterTaggableManager(through=ProjectTag, blank=True, verbose_name=_("mots-clés"))
    coup_de_coeur = models.BooleanField(
        _("coup de cœur"),
        default=False,
        db_index=True,
        help_text=_("Mis en avant par la rédaction."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldPanel("coup_de_coeur"),
        MultiFieldPanel(
            [
                FieldPanel("structure_name"),
                FieldPanel("structure_kind"),
                FieldRowPanel([FieldPanel("start_year"), FieldPanel("stage"), FieldPanel("scale")]),
            ],
            heading=_("Structure et projet"),
        ),
        MultiFieldPanel(
            [FieldPanel("codes", widget=forms.CheckboxSelectMultiple), FieldPanel("tags")],
            heading=_("Thématiques"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("website"),
                FieldRowPanel([FieldPanel("facebook_url"), FieldPanel("twitter_url")]),
                FieldRowPanel(
                    [
                        FieldPanel("linkedin_url"),
                        FieldPanel("instagram_url"),
                        FieldPanel("youtube_url"),
                    ]
                ),
                FieldRowPanel([FieldPanel("contact_email"), FieldPanel("contact_phone")]),
            ],
            heading=_("Liens et contact public"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel(
                    [FieldPanel("postal_code"), FieldPanel("city"), FieldPanel("insee_code")]
                ),
                LeafletPanel("location", address_field="address"),
                FieldPanel("location_note"),
            ],
            heading=_("Localisation"),
        ),
        InlinePanel("distinctions", label=_("Distinctions")),
        ProvenancePanel(),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("structure_name"),
        index.SearchField("city"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.AutocompleteField("structure_name"),
        index.FilterField("stage"),
        index.FilterField("scale"),
        index.FilterField("structure_kind"),
        index.FilterField("region_code"),
        index.FilterField("department_code"),
        index.FilterField("coup_de_coeur"),
    ]

    parent_page_types = ["catalogue.ProjectIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")

    # -- derived data ---------------------------------------------------------------
    def sync_location_fields(self):
        """Keep the indexed lat/lng floats, the widget's point string and the territory aligned."""
        lat, lng = parse_point(self.location)
        if lat is not None:
            self.latitude, self.longitude = lat, lng
        elif self.latitude is not None and self.longitude is not None:
            self.location = format_point(self.latitude, self.longitude)
        else:
            self.latitude = self.longitude = None
        from ..geography import commune_by_insee, find_commune

        if not self.insee_code and self.postal_code:
            # An editor typed a postal code and a city: place the project in its commune.
            found = find_commune(postal_code=self.postal_code, city=self.city or None)
            if found is not None:
                self.insee_code = found.insee_code
                self.city = self.city or found.name
                if self.latitude is None and found.lat is not None:
                    self.latitude, self.longitude = found.lat, found.lon
                    self.location = format_point(found.lat, found.lon)
                    self.location_note = self.location_note or str(
                        _("Position approximative : centre de la commune.")
                    )
        self.department_code = self.department_name = ""
        self.region_code = self.region_name = ""
        if self.insee_code:
            commune = commune_by_insee(self.insee_code)
            if commune is not None:
                self.department_code = commune.department_code or ""
                self.department_name = commune.department_name or ""
                self.region_code = commune.region_code or ""
                self.region_name = commune.region_name or ""

    def clean(self):
        super().clean()
        lat, lng = parse_point(self.location)
        if self.location and lat is None:
            raise ValidationError({"location": _("Localisation illisible.")})
        if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError({"location": _("Coordonnées hors limites.")})

    def save(self, *args, **kwargs):
        self.sync_location_fields()
        return super().save(*args, **kwargs)

    # -- presentation helpers -------------------------------------------------------
    @cached_property
    def taxonomy_groups(self):
        """The filter level (Domaines, Publics, Méthodes) that follows from the codes."""
        from ..collation import french_key
        from .taxonomy import TaxonomyGroup

        groups = TaxonomyGroup.objects.filter(codes__in=self.codes.all()).distinct()
        return sorted(groups, key=lambda g: (g.sort_order, french_key(g.name)))

    @cached_property
    def codes_in_order(self):
        """The page's nomenclature codes in French order of their names."""
        from ..collation import sorted_french

        return sorted_french(self.codes.all(), key=lambda code: code.name)

    @cached_property
    def suggested_codes_in_order(self):
        """Codes suggested from the source's keywords or the text, not confirmed yet
        (`SuggestedCode`), in French order of their names."""
        from ..collation import sorted_french
        from .taxonomy import NomenclatureCode

        confirmed = {c.pk for c in self.codes.all()}
        codes = NomenclatureCode.objects.filter(suggestions__project=self).distinct()
        return sorted_french([c for c in codes if c.pk not in confirmed], key=lambda c: c.name)

    @cached_property
    def provenance(self):
        return list(self.sources.select_related("partner").order_by("first_seen"))

    @property
    def social_links(self):
        pairs = [
            ("Facebook", self.facebook_url),
            ("X / Twitter", self.twitter_url),
            ("LinkedIn", self.linkedin_url),
            ("Instagram", self.instagram_url),
            ("YouTube", self.youtube_url),
        ]
        return [(label, url) for label, url in pairs if url]

    @property
    def listed_upstream(self):
        """False when every source stopped listing the project."""
        sources = self.provenance
        return not sources or any(source.still_listed for source in sources)


class ProjectDistinction(Orderable):
    """An award or distinction (e.g. "Lauréat La France s'engage 2016")."""

    project = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="distinctions")
    name = models.CharField(_("distinction"), max_length=255)
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    url = models.URLField(_("lien"), max_length=500, blank=True, validators=[http_url_validator])

    panels = [FieldPanel("name"), FieldPanel("year"), FieldPanel("url")]

    def __str__(self):
        return f"{self.name} ({self.year})" if self.year else self.name


class ProjectSource(models.Model):
    """Where a project was found: provenance data, kept outside page revisions.

    A project may be listed by several partners. The harvester maintains these rows;
    they are not editorial content, so a revision never rolls them back.
    """

    project = models.ForeignKey(ProjectPage, on_delete=models.CASCADE, related_name="sources")
    partner = models.ForeignKey(
        "catalogue.PartnerPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_sources",
    )
    # Name of the importer source (e.g. "Apriles"); catalogue does not know importers' models.
    source_key = models.CharField(_("source"), max_length=120, db_index=True)
    source_id = models.CharField(_("identifiant chez la source"), max_length=255, blank=True)
    source_url = models.URLField(
        _("page d'origine"), max_length=1000, blank=True, validators=[http_url_validator]
    )
    raw_tags = models.JSONField(_("mots-clés de la source"), default=list, blank=True)
    first_seen = models.DateTimeField(_("vu la première fois"), default=timezone.now)
    last_seen = models.DateTimeField(_("vu la dernière fois"), default=timezone.now)
    still_listed = models.BooleanField(_("toujours référencé par la source"), default=True)
    missed_runs = models.PositiveSmallIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    # What this listing proposes for each field: {field: [digest of the value, since when]}
    # (`catalogue.provenance.proposals`); the page's provenance section compares it with the
    # page's values to say which source supplied which field.
    fields = models.JSONField(_("valeurs proposées"), default=dict, blank=True)

    class Meta:
        verbose_name = _("provenance")
        verbose_name_plural = _("provenances")
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "source_id"],
                condition=~models.Q(source_id=""),
                name="unique_source_record_id",
            ),
        ]
        indexes = [models.Index(fields=["source_key", "source_url"])]

    def __str__(self):
        return f"{self.source_key}: {self.source_id or self.source_url}"

    @property
    def partner_name(self):
        return self.partner.title if self.partner_id else self.source_key


class CuratedField(models.Model):
    """A field of a project edited by a person; harvests never overwrite it."""

    class By(models.TextChoices):
        EDITOR = "editor", _("rédaction")
        HOLDER = "holder", _("porteur du projet")

    project = models.ForeignKey(
        ProjectPage, on_delete=models.CASCADE, related_name="curated_fields"
    )
    field_name = models.CharField(max_length=40)
    curated_by = models.CharField(max_length=10, choices=By.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "field_name"], name="unique_curated_field"),
        ]

    def __str__(self):
        return f"{self.project_id}.{self.field_name} ({self.curated_by})"
