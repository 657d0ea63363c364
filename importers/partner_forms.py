"""The form a partner fills in to propose a source from the front end: name, kind, address and
the fields (the same configuration JSON the admin's source form takes, without the address).

Everything is checked before any request leaves: the address (and every address the
configuration names) through the outgoing guard (`catalogue.netguard`: no internal address),
the JSON, and the configuration itself (`Source.config_problems`, the admin's checks).
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.netguard import RefusedAddress, check_url

from .models import Source, SourceKind

#: The kinds a partner may propose, and the configuration key their address goes to.
ADDRESS_KEYS = {
    SourceKind.HTML: "start_urls",
    SourceKind.JSON: "url",
    SourceKind.CSV: "url",
    SourceKind.SITEMAP: "sitemap_urls",
    SourceKind.RSS: "feed_urls",
}
LIST_KEYS = {"start_urls", "sitemap_urls", "feed_urls"}

CONFIG_EXAMPLE = '{"fields": {"titre": "Nom du projet", "site": "Site web"}}'


class ProposalForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de la source"),
        max_length=120,
        help_text=_("Comment la rédaction et vous l'appellerez (ex. « Annuaire 2026 »)."),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[(kind.value, kind.label) for kind in ADDRESS_KEYS],
        help_text=_("Ce que publie votre annuaire."),
    )
    address = forms.URLField(
        label=_("Adresse"),
        max_length=1000,
        assume_scheme="https",
        help_text=_(
            "L'adresse publique de la liste, de l'API, du fichier CSV, du sitemap ou du flux."
        ),
    )
    config = forms.CharField(
        label=_("Champs (configuration JSON)"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "monospace"}),
        help_text=_("Les champs à lire et leurs transformations, en JSON. Exemple : %(example)s")
        % {"example": CONFIG_EXAMPLE},
    )
    licence = forms.CharField(
        label=_("Licence et attribution"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sous quelle licence vous publiez ces fiches (ex. Licence Ouverte 2.0)."),
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Donnez un nom à la source."))
        if Source.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("Une source porte déjà ce nom : choisissez-en un autre."))
        return name

    def clean_address(self):
        return _guarded(self.cleaned_data["address"])

    def clean_config(self):
        text = (self.cleaned_data.get("config") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(
                _("JSON invalide : vérifiez les guillemets, virgules et accolades (%(error)s).")
                % {"error": error}
            ) from error
        if not isinstance(value, dict):
            raise forms.ValidationError(_("La configuration doit être un objet JSON ({…})."))
        for key in ("kind", "name", "limits", "spider", "path"):
            value.pop(key, None)  # the form's own fields; a partner sets no spider nor file
        return value

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        source = self.draft()
        problems = source.config_problems()
        if problems:
            raise forms.ValidationError(problems)
        for url in source.build_config().entry_urls():
            try:
                _guarded(url)
            except forms.ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return cleaned

    def full_config(self) -> dict:
        data = self.cleaned_data
        key = ADDRESS_KEYS[data["kind"]]
        config = dict(data.get("config") or {})
        config[key] = [data["address"]] if key in LIST_KEYS else data["address"]
        return config

    def draft_data(self) -> dict:
        """The fields as the admin's draft preview reads them (`admin_preview.draft_source`)."""
        return {
            "name": self.cleaned_data["name"],
            "kind": self.cleaned_data["kind"],
            "config": json.dumps(self.full_config()),
            "obey_robots": "on",
        }

    def draft(self) -> Source:
        from .admin_preview import draft_source

        source, _problems = draft_source(self.draft_data())
        return source


def _guarded(url: str) -> str:
    try:
        return check_url(url, unresolvable_ok=True)
    except RefusedAddress as error:
        raise forms.ValidationError(str(error)) from None
