"""StreamField blocks for editorial pages.

Blocks that render projects resolve their pages at render time (lazy), so that this
module never imports page models: page models import blocks, not the reverse.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock as WagtailImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from .collation import sorted_french
from .territories.blocks import TerritoryBlock


class CaptionedImageBlock(blocks.StructBlock):
    image = WagtailImageBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("légende"), required=False)
    attribution = blocks.CharBlock(label=_("crédit"), required=False)

    class Meta:
        icon = "image"
        template = "catalogue/blocks/captioned_image_block.html"
        label = _("Image")


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("citation"))
    attribution = blocks.CharBlock(label=_("auteur"), required=False)

    class Meta:
        icon = "openquote"
        template = "catalogue/blocks/quote_block.html"
        label = _("Citation")


class LinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(label=_("page"), required=False)
    url = blocks.URLBlock(label=_("ou adresse web"), required=False)

    def clean(self, value):
        cleaned = super().clean(value)
        if not cleaned.get("page") and not cleaned.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "url": blocks.BlockValidationError(_("Choisissez une page ou une adresse."))
                }
            )
        return cleaned


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("titre"))
    text = blocks.TextBlock(label=_("texte"), required=False)
    link = LinkBlock(label=_("lien"))
    button_label = blocks.CharBlock(label=_("libellé du bouton"), default=_("En savoir plus"))

    class Meta:
        icon = "pick"
        template = "catalogue/blocks/call_to_action_block.html"
        label = _("Appel à l'action")


class ProjectCardsBlock(blocks.StructBlock):
    """Project cards chosen one by one by an editor."""

    title = blocks.CharBlock(label=_("titre"), required=False)
    projects = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="catalogue.ProjectPage", label=_("projet")),
        label=_("projets"),
    )

    class Meta:
        icon = "list-ul"
        template = "catalogue/blocks/project_cards_block.html"
        label = _("Fiches projets choisies")


class DossierBlock(blocks.StructBlock):
    """A thematic dossier: an editorial introduction and a curated list of projects."""

    title = blocks.CharBlock(label=_("titre du dossier"))
    intro = blocks.RichTextBlock(label=_("introduction"), features=["bold", "italic", "link"])
    projects = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="catalogue.ProjectPage", label=_("projet")),
        label=_("projets du dossier"),
    )
    link = LinkBlock(label=_("pour aller plus loin"), required=False)

    class Meta:
        icon = "folder-open-inverse"
        template = "catalogue/blocks/dossier_block.html"
        label = _("Dossier thématique")


# --- Map and statistics blocks (presets shared with the search) ------------------------------
def _region_choices():
    from .geography import REGIONS

    return sorted_french(REGIONS.items(), key=lambda c: c[1])


def _department_choices():
    from .geography import DEPARTMENTS

    return [(code, f"{d.name} ({code})") for code, d in sorted(DEPARTMENTS.items())]


STATS_CHART_CHOICES = [
    ("domaine", _("Par domaine")),
    ("public", _("Par public")),
    ("region", _("Par région")),
    ("departement", _("Par département")),
    ("carte", _("Carte par département")),
    ("partenaire", _("Par partenaire source")),
    ("annee", _("Par année de lancement")),
]


class ProjectFiltersBlock(blocks.StructBlock):
    """Filters an editor fixes on a block (the search's presets): theme, territory, partner."""

    groups = blocks.ListBlock(
        SnippetChooserBlock("catalogue.TaxonomyGroup", label=_("thématique")),
        label=_("thématiques (Domaines, Publics, Méthodes)"),
        required=False,
        default=[],
    )
    codes = blocks.ListBlock(
        SnippetChooserBlock("catalogue.NomenclatureCode", label=_("code")),
        label=_("codes de la nomenclature"),
        required=False,
        default=[],
    )
    regions = blocks.MultipleChoiceBlock(
        choices=_region_choices, label=_("régions"), required=False
    )
    departments = blocks.MultipleChoiceBlock(
        choices=_department_choices, label=_("départements"), required=False
    )
    partners = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="catalogue.PartnerPage", label=_("partenaire")),
        label=_("partenaires sources"),
        required=False,
        default=[],
    )
    featured_only = blocks.BooleanBlock(label=_("coups de cœur seulement"), required=False)

    class Meta:
        icon = "filter"
        label = _("Filtres fixés")

    @staticmethod
    def presets(value) -> dict[str, list[str]]:
        """The filters as search parameters (facet -> values)."""
        from .search import TAXONOMY_FACETS

        if not value:
            return {}
        facet_of_family = {family: facet for facet, family in TAXONOMY_FACETS.items()}
        presets: dict[str, list[str]] = {}
        for group in value.get("groups") or []:
            facet = facet_of_family.get(getattr(group, "family", None))
            if facet:
                presets.setdefault(facet, []).append(group.slug)
        codes = [code.code for code in value.get("codes") or [] if code]
        if codes:
            presets["code"] = codes
        if value.get("regions"):
            presets["region"] = list(value["regions"])
        if value.get("departments"):
            presets["departement"] = list(value["departments"])
        partners = [p.slug for p in value.get("partners") or [] if p]
        if partners:
            presets["partenaire"] = partners
        if value.get("featured_only"):
            presets["coup_de_coeur"] = ["1"]
        return presets


class MapBlock(blocks.StructBlock):
    """A map of the projects matching the editor's filters (several per page are independent)."""

    title = blocks.CharBlock(label=_("titre"), required=False)
    filters = ProjectFiltersBlock(label=_("filtres fixés"))
    height = blocks.ChoiceBlock(
        choices=[("small", _("petite")), ("", _("moyenne")), ("large", _("grande"))],
        default="",
        required=False,
        label=_("hauteur"),
    )

    class Meta:
        icon = "site"
        template = "catalogue/blocks/map_block.html"
        label = _("Carte des projets")

    def get_context(self, value, parent_context=None):
        from urllib.parse import urlencode

        from .maps.views import list_url

        context = super().get_context(value, parent_context=parent_context)
        presets = ProjectFiltersBlock.presets(value.get("filters"))
        context["map_params"] = urlencode(presets, doseq=True)
        context["list_url"] = list_url()
        return context


class StatsBlock(blocks.StructBlock):
    """Statistics charts (SVG with their tables), optionally restricted by fixed filters."""

    title = blocks.CharBlock(label=_("titre"), required=False)
    charts = blocks.MultipleChoiceBlock(
        choices=STATS_CHART_CHOICES,
        default=["domaine", "region"],
        label=_("graphiques"),
    )
    filters = ProjectFiltersBlock(label=_("filtres fixés"))

    class Meta:
        icon = "table"
        template = "catalogue/blocks/stats_block.html"
        label = _("Statistiques")

    def get_context(self, value, parent_context=None):
        import uuid

        from .search import SearchQuery
        from .stats import statistics
        from .stats.views import chart_items

        context = super().get_context(value, parent_context=parent_context)
        presets = ProjectFiltersBlock.presets(value.get("filters"))
        query = SearchQuery.from_params({}, presets=presets) if presets else None
        stats = statistics(query)
        names = value.get("charts") or [name for name, _label in STATS_CHART_CHOICES]
        context["stats_items"] = chart_items(stats, names, prefix=f"stats-{uuid.uuid4().hex[:8]}")
        context["total"] = next(iter(stats.values())).total if stats else 0
        return context


# --- Search and project list blocks (rendered lazily through catalogue.search) ---------------
def _results_page_url(presets: dict, query=None) -> str:
    """The results page (`/projets/`) with the presets as ordinary, removable URL filters."""
    from .models import ProjectIndexPage
    from .search import SearchQuery

    index = ProjectIndexPage.objects.live().first()
    if index is None:
        return ""
    filters = {facet: list(values) for facet, values in presets.items()}
    if query is not None:
        for facet, values in query.filters.items():
            filters[facet] = sorted(set(filters.get(facet, [])) | set(values))
    full = SearchQuery(
        text=query.text if query else "",
        filters=filters,
        commune=query.commune if query else "",
        radius_km=query.radius_km if query else None,
    )
    return index.url + full.querystring()


def _block_prefix(parent_context, value) -> str:
    """URL namespace of one block on a page ("b1a2b3-q"): its StreamField id when known."""
    import hashlib

    block_id = (parent_context or {}).get("id") or hashlib.sha1(
        repr(sorted(value.get("filters", {}) or {})).encode() + str(value.get("title")).encode()
    ).hexdigest()
    return "b" + str(block_id).replace("-", "")[:6] + "-"


class SearchBlock(blocks.StructBlock):
    """A search box with results, restricted to the editor's fixed filters.

    Its state lives in namespaced URL parameters, so several search blocks on one page work
    independently; "see all" opens the results page with the presets as ordinary filters.
    """

    title = blocks.CharBlock(label=_("titre"), required=False)
    intro = blocks.TextBlock(label=_("introduction"), required=False)
    filters = ProjectFiltersBlock(label=_("filtres fixés"))
    show_facets = blocks.BooleanBlock(
        label=_("proposer les filtres Domaines et Publics"), required=False, default=True
    )
    max_items = blocks.IntegerBlock(
        label=_("nombre de résultats affichés"), default=6, min_value=1, max_value=24
    )

    class Meta:
        icon = "search"
        template = "catalogue/blocks/search_block.html"
        label = _("Recherche de projets")

    def get_context(self, value, parent_context=None):
        from .search import SearchQuery, execute

        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        prefix = _block_prefix(parent_context, value)
        presets = ProjectFiltersBlock.presets(value.get("filters"))
        params = request.GET if request is not None else {}
        query = SearchQuery.from_params(
            params, presets=presets, prefix=prefix, per_page=value.get("max_items") or 6
        )
        facets = ["domaine", "public"] if value.get("show_facets") else []
        results = execute(query, facets=facets, with_facets=bool(facets))
        # Other blocks' (and the page's) parameters are carried so their state survives.
        kept = []
        if request is not None:
            for key, values in request.GET.lists():
                if not key.startswith(prefix):
                    kept.extend((key, v) for v in values)
        context.update(
            {
                "prefix": prefix,
                "dom_id": prefix.rstrip("-"),
                "query": query,
                "search": results,
                "kept_params": kept,
                "see_all_url": _results_page_url(presets, query),
                "facet_groups": [
                    {"name": f, "param": prefix + f, "items": results.facets.get(f, [])[:8]}
                    for f in facets
                    if results.facets.get(f)
                ],
            }
        )
        return context


class ProjectListBlock(blocks.StructBlock):
    """A list of projects matching the editor's fixed filters (no interaction)."""

    title = blocks.CharBlock(label=_("titre"), required=False)
    filters = ProjectFiltersBlock(label=_("filtres fixés"))
    order = blocks.ChoiceBlock(
        choices=[("newest", _("les plus récents")), ("title", _("ordre alphabétique"))],
        default="newest",
        label=_("ordre"),
    )
    max_items = blocks.IntegerBlock(
        label=_("nombre de projets"), default=6, min_value=1, max_value=24
    )
    show_link = blocks.BooleanBlock(
        label=_("lien vers tous les résultats"), required=False, default=True
    )

    class Meta:
        icon = "list-ul"
        template = "catalogue/blocks/project_list_block.html"
        label = _("Liste de projets filtrée")

    def get_context(self, value, parent_context=None):
        from .search import SearchQuery, execute

        context = super().get_context(value, parent_context=parent_context)
        presets = ProjectFiltersBlock.presets(value.get("filters"))
        query = SearchQuery(
            presets=SearchQuery.clean_presets(presets),
            sort=value.get("order") or "newest",
            per_page=value.get("max_items") or 6,
        )
        results = execute(query, with_facets=False, suggest=False)
        context["search"] = results
        context["see_all_url"] = _results_page_url(presets) if value.get("show_link") else ""
        return context


class BaseStreamBlock(blocks.StreamBlock):
    """The blocks every editorial page offers."""

    paragraph = blocks.RichTextBlock(
        label=_("texte"),
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "document-link"],
        template="catalogue/blocks/paragraph_block.html",
    )
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(
        label=_("média intégré"),
        help_text=_("Adresse d'une vidéo (YouTube, Vimeo…)"),
        template="catalogue/blocks/embed_block.html",
    )
    call_to_action = CallToActionBlock()
    project_cards = ProjectCardsBlock()
    dossier = DossierBlock()
    map = MapBlock()
    statistics = StatsBlock()
    search = SearchBlock()
    project_list = ProjectListBlock()
    territory = TerritoryBlock()
