"""The "Territoire" StreamField block: a territory's figures panel in any editorial page
(a dossier on the Creuse embeds ``departement/23``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

KIND_CHOICES = [
    ("region", _("Région")),
    ("departement", _("Département")),
    ("epci", _("Intercommunalité (SIREN)")),
    ("commune", _("Commune (code INSEE)")),
]


class TerritoryBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=KIND_CHOICES, default="departement", label=_("type"))
    code = blocks.CharBlock(
        label=_("code"),
        max_length=9,
        help_text=_("Code INSEE (région, département, commune) ou SIREN (intercommunalité)."),
    )
    title = blocks.CharBlock(label=_("titre"), required=False)

    class Meta:
        icon = "site"
        template = "catalogue/blocks/territory_block.html"
        label = _("Territoire")

    def clean(self, value):
        from . import geo

        value = super().clean(value)
        code = (value.get("code") or "").strip()
        kind = value.get("kind")
        code = code.upper() if kind in ("commune", "departement") else code
        if geo.get(kind, code) is None:
            raise blocks.StructBlockValidationError(
                {"code": ValidationError(_("Territoire inconnu."))}
            )
        value["code"] = code
        return value

    def get_context(self, value, parent_context=None):
        from . import geo
        from .views import cached_figures

        context = super().get_context(value, parent_context=parent_context)
        territory = geo.get(value.get("kind"), value.get("code") or "")
        context["figures"] = cached_figures(territory) if territory is not None else None
        return context
