"""Activity feed entries, written only through `community.activity.record()`.

Each entry says that `actor` did `verb` to `target` (any model instance), inside `space` when the
target belongs to one. Readers must filter with `Activity.objects.visible_to(user)` so that
entries of private spaces never reach non-members (feeds, notifications fanned out from here,
exports). Entries are the actor's personal trail: they are deleted with the actor's account.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entries outside spaces, in public spaces, or in private spaces `user` belongs to."""
        public = Q(space__isnull=True) | Q(space__visibility="public")
        if user is None or not user.is_authenticated:
            return self.filter(public)
        from .spaces import Membership

        mine = Membership.objects.filter(user=user).values("space_id")
        return self.filter(public | Q(space_id__in=mine))


class Activity(models.Model):
    class Verb(models.TextChoices):
        SPACE_CREATED = "space_created", _("a créé l'espace")
        JOINED = "joined", _("a rejoint l'espace")
        DISCUSSION_STARTED = "discussion_started", _("a lancé la discussion")
        COMMENTED = "commented", _("a commenté")
        PROJECT_LINKED = "project_linked", _("suit désormais le projet")
        # A holder's news of a project, a claim approved: recorded without a space.
        PROJECT_NEWS = "project_news", _("a publié une actualité du projet")
        CLAIM_APPROVED = "claim_approved", _("porte désormais le projet")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_activities"
    )
    # Free text so that other modules (claims, news…) can record their own verbs.
    verb = models.CharField(max_length=40, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    space = models.ForeignKey(
        "community.Space",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("activité")
        verbose_name_plural = _("activités")

    def __str__(self):
        return f"{self.actor_id} {self.verb} {self.target_type_id}:{self.target_id}"

    @property
    def verb_label(self):
        try:
            return self.Verb(self.verb).label
        except ValueError:
            return self.verb
