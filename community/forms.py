"""Community forms: accounts (allauth), profile, spaces, discussions, comments, reports."""

import io
import re

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from catalogue.geography import autocomplete, commune_by_insee
from catalogue.models import TaxonomyGroup
from catalogue.validators import INSEE_CODE_RE

from . import conf
from .models import CommentReport, Profile, Space

HONEYPOT_FIELD = "site_web"
HONEYPOT_ERROR = _(
    "Envoi refusé : un champ invisible, réservé à la détection des robots, a été rempli. "
    "Si vous êtes une personne, rechargez la page et réessayez."
)


class HoneypotMixin:
    """A field people never see (hidden by CSS, skipped by keyboard and screen readers) but
    form-filling bots do: filled in, the whole form is refused and nothing is saved."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Ne remplissez pas ce champ"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )

    @property
    def honeypot_tripped(self):
        return bool(self.data.get(self.add_prefix(HONEYPOT_FIELD)))

    def clean(self):
        if self.honeypot_tripped:
            # Stop here: no other validation (e.g. "email already taken") leaks information.
            raise forms.ValidationError(HONEYPOT_ERROR, code="honeypot")
        return super().clean()


class SignupForm(HoneypotMixin, AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Nom affiché"),
        max_length=80,
        help_text=_("Visible par les autres membres (votre adresse e-mail ne l'est jamais)."),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def save(self, request):
        from .services import ensure_profile

        user = super().save(request)
        ensure_profile(user, self.cleaned_data["display_name"])
        return user


class LoginForm(HoneypotMixin, AllauthLoginForm):
    pass


class ResetPasswordForm(HoneypotMixin, AllauthResetPasswordForm):
    def clean_email(self):
        if self.honeypot_tripped:
            return self.data.get("email", "")
        return super().clean_email()


# --- territory --------------------------------------------------------------------------------

_TRAILING_CODE = re.compile(r"\((\d{5}|2[AB]\d{3})\)\s*$", re.IGNORECASE)


def commune_label(commune):
    return f"{commune.name} ({commune.insee_code})"


class CommuneField(forms.CharField):
    """A commune typed by name (with the gazetteer's suggestions) or INSEE code → `Commune`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 140)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Tapez le nom de la commune puis choisissez-la dans la liste.")
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"autocomplete": "off", "data-commune-autocomplete": "1"})

    def prepare_value(self, value):
        if hasattr(value, "insee_code"):
            return commune_label(value)
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = _TRAILING_CODE.search(value)
        code = match.group(1) if match else value.strip()
        if INSEE_CODE_RE.match(code.upper()):
            commune = commune_by_insee(code.upper())
            if commune:
                return commune
        candidates = autocomplete(value, limit=5)
        from catalogue.geography import normalise_name

        exact = [c for c in candidates if normalise_name(c.name) == normalise_name(value)]
        if len(exact) == 1:
            return exact[0]
        if exact or candidates:
            raise forms.ValidationError(
                _("Plusieurs communes correspondent : choisissez-la dans la liste proposée."),
                code="ambiguous",
            )
        raise forms.ValidationError(_("Commune inconnue."), code="unknown")


class ThemeChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", TaxonomyGroup.objects.order_by("family", "sort_order"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return str(obj)


# --- avatar -----------------------------------------------------------------------------------

AVATAR_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def process_avatar(upload):
    """Validate an uploaded image and re-encode it (square JPEG, metadata stripped)."""
    max_bytes = conf.get("COMMUNITY_AVATAR_MAX_BYTES")
    if upload.size > max_bytes:
        raise forms.ValidationError(
            _("L'image dépasse %(mb)s Mo.") % {"mb": max_bytes // (1024 * 1024)},
            code="too_big",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as err:
        raise forms.ValidationError(
            _("Ce fichier n'est pas une image lisible."), code="invalid_image"
        ) from err
    if fmt not in AVATAR_FORMATS:
        raise forms.ValidationError(
            _("Formats acceptés : JPEG, PNG, GIF ou WebP."), code="invalid_format"
        )
    low, high = conf.get("COMMUNITY_AVATAR_MIN_SIDE"), conf.get("COMMUNITY_AVATAR_MAX_SIDE")
    if min(width, height) < low or max(width, height) > high:
        raise forms.ValidationError(
            _("L'image doit mesurer entre %(low)d et %(high)d pixels de côté.")
            % {"low": low, "high": high},
            code="invalid_dimensions",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.seek(0)
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image, mask=image.getchannel("A"))
                image = background
            else:
                image = image.convert("RGB")
            size = conf.get("COMMUNITY_AVATAR_SIZE")
            image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            # A fresh image: no EXIF, GPS, ICC or comment from the original survives.
            image.save(out, "JPEG", quality=85, optimize=True)
    except (OSError, ValueError) as err:
        raise forms.ValidationError(
            _("Ce fichier n'est pas une image lisible."), code="invalid_image"
        ) from err
    return ContentFile(out.getvalue(), name="avatar.jpg")


class ProfileForm(forms.ModelForm):
    avatar_upload = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("Image JPEG, PNG, GIF ou WebP de 2 Mo au plus ; elle sera recadrée en carré."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(label=_("Retirer mon avatar"), required=False)
    commune = CommuneField(label=_("Commune"))
    interests = ThemeChoiceField(label=_("Centres d'intérêt"))

    class Meta:
        model = Profile
        fields = ["display_name", "bio", "organisation", "interests", "discoverable"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "display_name": _("Visible par tout le monde."),
            "bio": _("Quelques phrases (600 caractères au plus)."),
        }

    field_order = [
        "display_name",
        "avatar_upload",
        "remove_avatar",
        "bio",
        "organisation",
        "commune",
        "interests",
        "discoverable",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.insee_code:
            commune = commune_by_insee(self.instance.insee_code)
            if commune:
                self.initial["commune"] = commune_label(commune)
        if not self.instance.avatar:
            del self.fields["remove_avatar"]

    def clean_avatar_upload(self):
        upload = self.cleaned_data.get("avatar_upload")
        return process_avatar(upload) if upload else None

    def save(self, commit=True):
        """The profile with its commune and avatar; with ``commit=False`` nothing is written.

        A new avatar is assigned, not stored: the file field writes it when the profile is
        saved. The replaced file is deleted by ``save_m2m`` (called here, or by the caller after
        saving the profile itself, as Django's ``commit=False`` contract asks).
        """
        profile = self.instance
        commune = self.cleaned_data.get("commune")
        profile.insee_code = commune.insee_code if commune else ""
        profile.territory_name = commune.name if commune else ""
        self._old_avatar = profile.avatar.name if profile.avatar else ""
        new_avatar = self.cleaned_data.get("avatar_upload")
        if new_avatar is not None:
            profile.avatar = new_avatar
        elif self.cleaned_data.get("remove_avatar"):
            profile.avatar = ""
        return super().save(commit=commit)

    def _save_m2m(self):
        super()._save_m2m()
        profile, old = self.instance, self._old_avatar
        if old and (not profile.avatar or profile.avatar.name != old):
            profile.avatar.storage.delete(old)


# --- spaces, discussions, comments ------------------------------------------------------------


class SpaceForm(forms.ModelForm):
    commune = CommuneField(label=_("Territoire (commune)"))
    themes = ThemeChoiceField(label=_("Thématiques"))

    class Meta:
        model = Space
        fields = ["name", "description", "visibility", "themes"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "visibility": forms.RadioSelect,
        }
        help_texts = {
            "description": _("Texte simple ; les adresses web deviennent des liens."),
        }

    field_order = ["name", "description", "visibility", "themes", "commune"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.insee_code:
            commune = commune_by_insee(self.instance.insee_code)
            if commune:
                self.initial["commune"] = commune_label(commune)

    def clean(self):
        data = super().clean()
        if not data.get("themes") and not data.get("commune"):
            raise forms.ValidationError(
                _("Donnez à l'espace au moins une thématique ou un territoire."), code="no_theme"
            )
        return data

    def space_fields(self):
        data = self.cleaned_data
        commune = data.get("commune")
        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "visibility": data["visibility"],
            "themes": list(data.get("themes") or []),
            "insee_code": commune.insee_code if commune else "",
            "territory_name": commune.name if commune else "",
        }


class DiscussionForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Texte simple ; les adresses web deviennent des liens."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Texte simple ; les adresses web deviennent des liens."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = conf.get("COMMUNITY_COMMENT_MAX_LENGTH")
        self.fields["body"].widget.attrs["maxlength"] = self.fields["body"].max_length


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif du signalement"),
        choices=CommentReport.Reason.choices,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Précisions (facultatif)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message aux modérateurs (facultatif)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for the password (or a typed word for password-less accounts)."""

    CONFIRM_WORD = "SUPPRIMER"

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"] = forms.CharField(
                label=_("Votre mot de passe"),
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        else:
            self.fields["confirmation"] = forms.CharField(
                label=_("Tapez SUPPRIMER pour confirmer"), max_length=20
            )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."), code="password")
        return password

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"]
        if value.strip().upper() != self.CONFIRM_WORD:
            raise forms.ValidationError(_("Tapez SUPPRIMER pour confirmer."), code="confirm")
        return value
