"""Community spaces (groups), their members, ways in (requests, invitations) and discussions.

Visibility rule, enforced by `Space.objects.visible_to(user)` and `community.permissions`: a private
space and everything in it exist only for its members (others get 404, never its name).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalogue.validators import validate_insee_code


class SpaceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Public spaces, plus the private ones `user` belongs to."""
        if user is None or not user.is_authenticated:
            return self.filter(visibility=Space.Visibility.PUBLIC)
        # A subquery rather than a join: no duplicates, and later annotations over
        # memberships (member counts) are not narrowed by this filter.
        mine = Membership.objects.filter(user=user).values("space_id")
        return self.filter(Q(visibility=Space.Visibility.PUBLIC) | Q(pk__in=mine))


class Space(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public : tout le monde lit, les membres participent")
        PRIVATE = "private", _("Privé : contenu réservé aux membres")

    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("adresse"), max_length=140, unique=True)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    themes = models.ManyToManyField(
        "catalogue.TaxonomyGroup", blank=True, related_name="+", verbose_name=_("thématiques")
    )
    insee_code = models.CharField(
        _("territoire (code INSEE)"), max_length=5, blank=True, validators=[validate_insee_code]
    )
    territory_name = models.CharField(_("territoire"), max_length=120, blank=True)
    featured = models.BooleanField(
        _("mis en avant"), default=False, help_text=_("Choisi par l'équipe éditoriale.")
    )
    projects = models.ManyToManyField(
        "catalogue.ProjectPage",
        blank=True,
        related_name="community_spaces",
        verbose_name=_("projets suivis"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        ordering = ["-featured", "name"]
        verbose_name = _("espace communautaire")
        verbose_name_plural = _("espaces communautaires")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.new_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("community:space", kwargs={"slug": self.slug})

    def new_slug(self) -> str:
        """A free address that reveals no other space: a private space's slug always ends with
        a random suffix (so it never takes the plain name), and a taken name gets one too, not
        "-2", which would tell how many spaces bear it."""
        base = slugify(self.name)[:120] or "espace"
        slug = base
        if self.visibility == Space.Visibility.PRIVATE or Space.objects.filter(slug=slug).exists():
            slug = f"{base}-{secrets.token_hex(3)}"
            while Space.objects.filter(slug=slug).exists():
                slug = f"{base}-{secrets.token_hex(3)}"
        return slug

    @property
    def is_private(self):
        return self.visibility == self.Visibility.PRIVATE

    def moderators(self):
        return self.memberships.filter(role=Membership.Role.MODERATOR).select_related(
            "user__profile"
        )


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Membre")
        MODERATOR = "moderator", _("Modérateur·rice")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_memberships"
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("arrivé·e le"), auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="community_unique_membership")
        ]
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")

    def __str__(self):
        return f"{self.user_id} → {self.space_id} ({self.role})"

    @property
    def is_moderator(self):
        return self.role == self.Role.MODERATOR


class JoinRequest(models.Model):
    """A member asks to join a private space; a moderator approves or rejects."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Acceptée")
        REJECTED = "rejected", _("Refusée")

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_join_requests"
    )
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["space", "user"],
                condition=Q(status="pending"),
                name="community_one_pending_request",
            )
        ]
        verbose_name = _("demande d'adhésion")
        verbose_name_plural = _("demandes d'adhésion")

    def __str__(self):
        return f"{self.user_id} → {self.space_id} ({self.status})"


def new_token():
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """A revocable link to a space, the only way into a private space from outside.

    Anyone holding a direct link joins at once; a link that `requires_approval` files a
    `JoinRequest` for the moderators instead ("join by request").
    """

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    requires_approval = models.BooleanField(
        _("sur demande"),
        default=False,
        help_text=_("Les personnes qui suivent le lien demandent à rejoindre l'espace."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.space_id} #{self.pk}"

    def get_absolute_url(self):
        return reverse("community:invitation", kwargs={"token": self.token})

    @property
    def is_valid(self):
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class Discussion(models.Model):
    """A thread in a space: a title and an opening message; replies are `Comment`s."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="discussions")
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("message"), max_length=5000)
    body_html = models.TextField(editable=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_discussions",
    )
    pinned = models.BooleanField(_("épinglée"), default=False)
    locked = models.BooleanField(_("verrouillée"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(_("modifiée le"), null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned", "-last_activity_at"]
        verbose_name = _("discussion")
        verbose_name_plural = _("discussions")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        from community.rendering import render_text

        self.body_html = render_text(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("community:discussion", kwargs={"slug": self.space.slug, "pk": self.pk})
