"""Signal receivers: a profile for every new user; community permissions for editor groups."""

from django.conf import settings
from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from catalogue.editorial_roles import EDITORIAL_GROUPS

# Wagtail's default editorial groups moderate comments and feature spaces in the admin.
EDITOR_GROUPS = EDITORIAL_GROUPS
EDITOR_PERMISSIONS = (
    "view_space",
    "change_space",
    "view_comment",
    "change_comment",
)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="community_profile")
def create_profile(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .models import Profile

        Profile.objects.get_or_create(user=instance)


def grant_editor_permissions(sender, using="default", **kwargs):
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    # Our receiver may run before auth's for this app: make sure the permissions exist.
    create_permissions(sender, verbosity=0, using=using)

    perms = list(
        Permission.objects.using(using).filter(
            content_type__app_label="community", codename__in=EDITOR_PERMISSIONS
        )
    )
    if not perms:
        return
    for group in Group.objects.using(using).filter(name__in=EDITOR_GROUPS):
        group.permissions.add(*perms)


def connect(app_config):
    post_migrate.connect(
        grant_editor_permissions, sender=app_config, dispatch_uid="community_editor_perms"
    )
