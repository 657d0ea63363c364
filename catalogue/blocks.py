"""StreamField blocks for editorial pages.

Blocks that render projects resolve their pages at render time (lazy), so that this
module never imports page models: page models import blocks, not the reverse.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock as WagtailImageBlock


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
