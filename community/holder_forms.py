"""Forms of claims, holders' page edits, project news, notification settings, saved searches."""

import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.images.fields import WagtailImageField

from catalogue.collation import Collated
from catalogue.geography import communes_for_postal_code, normalise_postal_code
from catalogue.models import NomenclatureCode, Stage
from catalogue.project_fields import HOLDER_FIELDS
from catalogue.sanitise import to_rich_text
from catalogue.validators import http_url_validator, validate_postal_code

from .models import NotificationSettings

DESCRIPTION_MAX_LENGTH = 20_000
BLOCK_KEY_ATTRIBUTE = re.compile(r' data-block-key="[^"]*"')
# The rich-text editor's toolbar and prompts (static_src/js/richtext.js).
EDITOR_STRINGS = {
    "toolbar": _("Mise en forme de la description"),
    "bold": _("Gras"),
    "italic": _("Italique"),
    "heading": _("Intertitre"),
    "ul": _("Liste à puces"),
    "ol": _("Liste numérotée"),
    "link": _("Lien"),
    "linkPrompt": _("Adresse du lien (https://…) :"),
    "linkInvalid": _("Adresse refusée : elle doit commencer par https://, http:// ou mailto:."),
}


def sanitise_description(text: str) -> str:
    """Holder input → safe rich text (`catalogue.sanitise`'s allow-list: paragraphs, emphasis,
    lists, links, h3). HTML when it starts with a tag; plain text otherwise, any "<" in it
    shown as typed."""
    return to_rich_text((text or "").strip())


class ClaimForm(forms.Form):
    role = forms.CharField(
        label=_("Votre rôle dans le projet"),
        max_length=120,
        help_text=_("Par exemple : présidente de l'association, chargé de communication…"),
    )
    message = forms.CharField(
        label=_("Message à la rédaction (facultatif)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Tout ce qui aide la rédaction à vérifier votre lien avec le projet."),
    )


class HolderEditForm(forms.Form):
    """The curated fields a holder may change; initial values come from the latest revision."""

    summary = forms.CharField(
        label=_("Résumé"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Deux ou trois phrases, texte brut."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        # Shown unescaped by Django's field template: words only, never markup.
        help_text=_(
            "Paragraphes, gras, italique, listes, liens et intertitres. Sans JavaScript, le "
            "champ montre la description en HTML ; vous pouvez aussi y écrire du texte simple, "
            "une ligne vide séparant deux paragraphes."
        ),
    )
    image = WagtailImageField(
        label=_("Nouvelle image (facultatif)"),
        required=False,
        help_text=_("JPEG, PNG, GIF ou WebP, 10 Mo au plus. Remplace l'image actuelle."),
    )
    website = forms.URLField(
        label=_("Site du projet"),
        max_length=500,
        required=False,
        validators=[http_url_validator],
        assume_scheme="https",
    )
    contact_email = forms.EmailField(
        label=_("Courriel de contact de la structure"),
        required=False,
        help_text=_("Une adresse publique de la structure, pas une adresse personnelle."),
    )
    contact_phone = forms.CharField(
        label=_("Téléphone de la structure"), max_length=40, required=False
    )
    codes = forms.ModelMultipleChoiceField(
        label=_("Thématiques"),
        queryset=NomenclatureCode.objects.order_by(Collated("name"), "name"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(label=_("Adresse"), max_length=255, required=False)
    postal_code = forms.CharField(
        label=_("Code postal"), max_length=5, required=False, validators=[validate_postal_code]
    )
    city = forms.CharField(label=_("Commune"), max_length=120, required=False)
    stage = forms.ChoiceField(
        label=_("Stade du projet"),
        choices=[("", "—")] + list(Stage.choices),
        required=False,
    )

    # The holder-editable fields (catalogue.project_fields) but the image: changed by upload only.
    FIELDS = tuple(name for name in HOLDER_FIELDS if name != "image")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read by static_src/js/richtext.js, which turns the textarea into a rich-text editor.
        self.fields["description"].widget.attrs["data-richtext"] = json.dumps(
            {name: str(text) for name, text in EDITOR_STRINGS.items()}, ensure_ascii=False
        )

    @classmethod
    def initial_for(cls, draft):
        initial = {name: getattr(draft, name) for name in cls.FIELDS if name != "codes"}
        # The editor's storage keys are noise in the form; unchanged blocks get them back.
        initial["description"] = BLOCK_KEY_ATTRIBUTE.sub("", draft.description or "")
        initial["codes"] = [code.code for code in draft.codes.all()]
        initial["stage"] = draft.stage or ""
        return initial

    def clean_description(self):
        return sanitise_description(self.cleaned_data.get("description", ""))

    def clean_postal_code(self):
        value = normalise_postal_code(self.cleaned_data.get("postal_code", ""))
        if value and not communes_for_postal_code(value):
            raise forms.ValidationError(_("Aucune commune n'a ce code postal."))
        return value

    def changes(self):
        """cleaned_data limited to what the service should apply (image only when uploaded)."""
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        data["codes"] = [code.code for code in self.cleaned_data["codes"]]
        return data


class NewsForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=140)
    body = forms.CharField(
        label=_("Texte"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Texte brut ; les adresses web deviennent des liens."),
    )
    link = forms.URLField(
        label=_("Lien (facultatif)"),
        max_length=500,
        required=False,
        validators=[http_url_validator],
        assume_scheme="https",
    )


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}


class SaveSearchForm(forms.Form):
    params = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Nom de la recherche"), max_length=120, required=False)
