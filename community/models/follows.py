"""Follows: a member follows a project, a space or a discussion (a generic relation)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# URL keyword → "app_label.model" of what can be followed.
FOLLOWABLE = {
    "projet": "catalogue.projectpage",
    "espace": "community.space",
    "discussion": "community.discussion",
}


class FollowQuerySet(models.QuerySet):
    def of(self, target):
        ct = ContentType.objects.get_for_model(target, for_concrete_model=True)
        return self.filter(target_type=ct, target_id=target.pk)


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_follows",
        verbose_name=_("membre"),
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(_("depuis le"), default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target_type", "target_id"], name="unique_follow"
            ),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.user_id} → {self.target_type_id}:{self.target_id}"

    @property
    def kind(self):
        key = f"{self.target_type.app_label}.{self.target_type.model}"
        return next((k for k, v in FOLLOWABLE.items() if v == key), "")
