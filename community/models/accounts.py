"""The public side of a member: what others may see (never the email address)."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalogue.validators import validate_insee_code


def avatar_upload_to(instance, filename):
    # A random name: the file name never carries the member's name or the original file name.
    return f"avatars/{secrets.token_hex(12)}.jpg"


class Profile(models.Model):
    """One per user, created with the account and deleted with it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    slug = models.SlugField(_("adresse du profil"), max_length=80, unique=True)
    display_name = models.CharField(_("nom affiché"), max_length=80)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True)
    bio = models.TextField(_("présentation"), max_length=600, blank=True)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    insee_code = models.CharField(
        _("commune (code INSEE)"), max_length=5, blank=True, validators=[validate_insee_code]
    )
    territory_name = models.CharField(_("commune"), max_length=120, blank=True)
    interests = models.ManyToManyField(
        "catalogue.TaxonomyGroup", blank=True, related_name="+", verbose_name=_("centres d'intérêt")
    )
    # "Members near me": others see this member in their lists only when they opted in.
    discoverable = models.BooleanField(
        _("visible des membres proches"),
        default=False,
        help_text=_(
            "Les membres proches de chez vous ou aux intérêts voisins peuvent vous trouver "
            "(votre nom, votre commune et vos intérêts ; jamais votre adresse e-mail)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profil de membre")
        verbose_name_plural = _("profils de membres")

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        if not self.display_name:
            staff = self.user_id and (self.user.is_staff or self.user.is_superuser)
            self.display_name = str(_("Équipe du Carrefour") if staff else _("Membre"))
        if not self.slug:
            self.slug = self.unique_slug(self.display_name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("community:profile", kwargs={"slug": self.slug})

    @classmethod
    def unique_slug(cls, name):
        """A slug from the display name plus a random suffix: guessable names, unguessable ids."""
        base = slugify(name)[:60] or "membre"
        while True:
            slug = f"{base}-{secrets.token_hex(3)}"
            if not cls.objects.filter(slug=slug).exists():
                return slug


def role_label_for(user) -> str:
    """The site role shown beside a name: staff are not plain members ("" for members)."""
    if user is None or not user.is_active:
        return ""
    if user.is_superuser:
        return str(_("administration du site"))
    if user.is_staff:
        return str(_("équipe éditoriale"))
    return ""


def display_name_for(user):
    """The name shown to others: the profile's display name, never the email or username."""
    if user is None:
        return str(_("compte supprimé"))
    profile = getattr(user, "profile", None)
    try:
        return profile.display_name if profile else str(_("Membre"))
    except Profile.DoesNotExist:  # pragma: no cover - reverse accessor raises when missing
        return str(_("Membre"))
