"""Read-only admin panel: where a project comes from and which fields people curated."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import Panel


class ProvenancePanel(Panel):
    """Shows the provenance rows and curated fields (system data, not editable content)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Provenance et champs protégés"))
        super().__init__(**kwargs)

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalogue/panels/provenance_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            page = self.instance
            if page and page.pk:
                context["sources"] = page.sources.select_related("partner").order_by("first_seen")
                context["curated"] = page.curated_fields.select_related("user").order_by(
                    "field_name"
                )
            return context
