"""Admin integration: taxonomy snippets, and curation tracking on editors' edits."""

from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import CURATABLE_FIELDS, NomenclatureCode, ProjectPage, TaxonomyGroup


class TaxonomyGroupViewSet(SnippetViewSet):
    model = TaxonomyGroup
    icon = "folder-open-inverse"
    list_display = ["name", "family", "sort_order"]
    list_filter = ["family"]
    menu_label = _("Groupes de filtres")


class NomenclatureCodeViewSet(SnippetViewSet):
    model = NomenclatureCode
    icon = "tag"
    list_display = ["code", "name", "description"]
    search_fields = ["code", "name", "description"]
    menu_label = _("Nomenclature")


class TaxonomyViewSetGroup(SnippetViewSetGroup):
    items = (NomenclatureCodeViewSet, TaxonomyGroupViewSet)
    menu_icon = "tag"
    menu_label = _("Taxonomie")
    menu_name = "taxonomy"


register_snippet(TaxonomyViewSetGroup)


def _field_value(page, name):
    if name == "codes":
        return sorted(c.pk for c in page.codes.all())
    if name == "tags":
        return sorted(t.name for t in page.tags.all())
    if name == "image":
        return page.image_id
    value = getattr(page, name)
    if name == "description" and not strip_tags(value or "").strip():
        return ""  # an empty editor ("<p></p>") is no change
    return value


def changed_curatable_fields(before, after):
    """Names of curatable fields whose values differ between two page versions."""
    return [
        name for name in CURATABLE_FIELDS if _field_value(before, name) != _field_value(after, name)
    ]


@hooks.register("after_edit_page")
def track_editor_curation(request, page):
    """An editor's change to an imported field protects it from the next harvest."""
    page = page.specific
    if not isinstance(page, ProjectPage):
        return
    revisions = list(page.revisions.order_by("-created_at", "-id")[:2])
    if len(revisions) < 2:
        return
    after, before = revisions[0].as_object(), revisions[1].as_object()
    from .services import mark_curated

    mark_curated(
        page,
        changed_curatable_fields(before, after),
        by="editor",
        user=request.user,
        before=before,
        after=after,
        revision=revisions[0],
    )


# --- freshness queue (/admin/fraicheur/) and each page's "Confirmer à jour" -------------------
from . import admin_freshness  # noqa: E402

hooks.register("register_admin_urls", admin_freshness.admin_urls)
hooks.register("register_admin_menu_item", admin_freshness.menu_item)
hooks.register("register_page_listing_more_buttons", admin_freshness.listing_buttons)
