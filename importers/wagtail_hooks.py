"""Harvest administration: sources, recoding rules, runs, duplicates, unknown tags."""

from __future__ import annotations

import json

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    ObjectList,
    Panel,
)
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet, SnippetViewSetGroup

from . import admin_proposals, admin_suggestions, admin_views
from .models import Source, TagMapping

CONFIG_HELP = format_html(
    "<p>{}</p><ul>"
    "<li><b>html</b> : <code>{}</code></li>"
    "<li><b>json</b> : <code>{}</code></li>"
    "<li><b>csv</b> : <code>{}</code></li>"
    "<li><b>sitemap</b> : <code>{}</code></li>"
    "<li><b>rss</b> : <code>{}</code></li>"
    "<li><b>peer</b> : <code>{}</code></li>"
    "<li><b>scope</b> : <code>{}</code></li>"
    "</ul><p>{}</p>",
    _("Configuration propre au type de source, en JSON. Exemples :"),
    '{"start_urls": ["https://…/liste"], "item_selector": "//table/tr", '
    '"next_page_selector": "//a[@title=\\"Suivante\\"]/@href", "follow_selector": ".//a/@href", '
    '"fields": [{"name": "titre du projet", "selector": ".//a/text()", "on": "both"}]}',
    '{"url": "https://…/api/projets", "items_path": "results", '
    '"fields": {"titre": "name", "site": "links.website"}, "url_path": "url", '
    '"pagination": {"mode": "page", "page_param": "page"}}',
    '{"url": "https://…/export.csv", "fields": {"titre": "Nom du projet"}}  '
    "(séparateur et encodage détectés)",
    '{"sitemap_urls": ["https://…/sitemap.xml"], "url_pattern": "/projets/", "fields": […]}',
    '{"feed_urls": ["https://…/feed"], "follow": true, "fields": […]}',
    '{"url": "https://…/api/changes"}  (incrémental : reprend où la collecte précédente '
    "s'est arrêtée) ou "
    '{"format": "jsonld", "urls": ["https://…/projets/fiche/"]}',
    # Optional in every kind (importers/scope.py): records out of the source's scope.
    '"scope": {"action": "refuse | flag", "france_only": true, "country_field": "pays", '
    '"status_field": "statut", "status_values": ["publié"], "refused_status_values": []}',
    _(
        "Les noms de champs reconnus sont ceux d'OpenScraper (titre du projet, résumé du projet, "
        "tags, website, structure porteuse, adresse du projet…) ou ceux des fiches (title, "
        "summary, website, postal_code, city…). Utilisez l'aperçu pour vérifier."
    ),
)


class ConfigField(forms.JSONField):
    """Readable JSON (indented, accents kept) with a French message for broken JSON."""

    default_error_messages = {
        "invalid": _("JSON invalide : vérifiez les guillemets, virgules et accolades."),
    }

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class SourceForm(WagtailAdminModelForm):
    config = ConfigField(
        label=_("configuration d'extraction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "style": "font-family: monospace"}),
    )

    def clean_config(self):
        value = self.cleaned_data.get("config")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("La configuration doit être un objet JSON ({…})."))
        return value


def last_run_display(source: Source) -> str:
    run = source.last_run
    if run is None:
        return _("jamais collectée")
    return f"{run.get_status_display()} — {run.started_at:%d/%m/%Y %H:%M} — {run.seen} vues"


def status_display(source: Source) -> str:
    """Why a source is off or needs a look, in the list itself (its first line)."""
    reason = (source.attention_reason or "").strip().split("\n")[0]
    if not source.enabled:
        return _("désactivée — %(reason)s") % {"reason": reason} if reason else _("désactivée")
    if source.needs_attention:
        return _("à vérifier — %(reason)s") % {"reason": reason} if reason else _("à vérifier")
    return _("active")


class PreviewButtonPanel(Panel):
    """A button posting the form as typed to the preview (a new tab): before saving, the
    editor sees per item what each field gets and the record it becomes."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "importers/admin/preview_button.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            pk = getattr(self.instance, "pk", None)
            args = [pk] if pk else []
            context["preview_url"] = reverse("importers_source_draft_preview", args=args)
            return context


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "download"
    menu_label = _("Sources")
    menu_order = 100
    list_display = [
        "name",
        "kind",
        Column("partner", label=_("Partenaire"), accessor="partner"),
        BooleanColumn("enabled", label=_("Active")),
        Column("last_run", label=_("Dernière collecte"), accessor=last_run_display),
        BooleanColumn("needs_attention", label=_("À vérifier")),
        Column("status", label=_("Statut"), accessor=status_display),
    ]
    list_filter = ["kind", "enabled", "needs_attention"]
    search_fields = ["name"]
    edit_handler_panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("partner"),
                FieldRowPanel([FieldPanel("kind"), FieldPanel("normaliser")]),
                FieldRowPanel([FieldPanel("enabled"), FieldPanel("schedule")]),
                FieldPanel("licence"),
            ],
            heading=_("Source"),
        ),
        MultiFieldPanel(
            [
                HelpPanel(CONFIG_HELP),
                FieldPanel("config"),
                PreviewButtonPanel(),
                FieldPanel("csv_file"),
                FieldPanel("spider_class"),
            ],
            heading=_("Extraction"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("download_delay"),
                        FieldPanel("concurrency"),
                        FieldPanel("download_timeout"),
                    ]
                ),
                FieldPanel("obey_robots"),
                FieldRowPanel([FieldPanel("max_pages"), FieldPanel("max_items")]),
            ],
            heading=_("Politesse et limites"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("mapping_label"),
                FieldRowPanel([FieldPanel("unlisted_after"), FieldPanel("unpublish_unlisted")]),
                FieldPanel("needs_attention"),
                FieldPanel("attention_reason", read_only=True),
                FieldPanel("import_notes", read_only=True),
            ],
            heading=_("Suivi"),
        ),
    ]
    edit_handler = ObjectList(edit_handler_panels, base_form_class=SourceForm)


class TagMappingCreateView(CreateView):
    """Pre-filled from the unknown tags listing (``?source_label=…&tag=…``)."""

    def get_initial(self):
        initial = super().get_initial()
        for key in ("source_label", "tag"):
            if self.request.GET.get(key):
                initial[key] = self.request.GET[key]
        return initial


class TagMappingViewSet(SnippetViewSet):
    model = TagMapping
    icon = "tag"
    menu_label = _("Correspondances de mots-clés")
    menu_order = 200
    add_view_class = TagMappingCreateView
    list_display = [
        "tag",
        "source_label",
        Column("codes", label=_("Codes"), accessor="codes_display"),
    ]
    search_fields = ["tag", "source_label"]
    list_per_page = 50


class HarvestGroup(SnippetViewSetGroup):
    items = (SourceViewSet, TagMappingViewSet, admin_proposals.PartnerRoleViewSet)
    menu_icon = "download"
    menu_label = _("Collecte")
    menu_name = "harvest"
    menu_order = 250
    submenu_hook = "register_harvest_menu_item"


register_snippet(HarvestGroup)
hooks.register("register_admin_urls", admin_views.admin_urls)
hooks.register("register_admin_urls", admin_suggestions.admin_urls)
hooks.register("register_admin_urls", admin_proposals.admin_urls)
_menu = [*admin_views.menu_items(), admin_suggestions.menu_item(), admin_proposals.menu_item()]
for _item in _menu:
    hooks.register("register_harvest_menu_item", lambda item=_item: item)


@hooks.register("catalogue_page_slots")
def page_slots():
    """On a partner's page, for its partner role and editors: the dashboard, a proposal."""
    return {"partner_tools": ["importers/partner/slot_partner_tools.html"]}


@hooks.register("register_snippet_listing_buttons")
def source_listing_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, Source) or not admin_views.can_manage(user):
        return []
    return [
        Button(
            _("Aperçu"),
            url=reverse("importers_source_preview", args=[snippet.pk]),
            icon_name="view",
            priority=5,
        ),
        Button(
            _("Collectes et lancement"),
            url=reverse("importers_source_runs", args=[snippet.pk]),
            icon_name="history",
            priority=6,
        ),
    ]
