"""Receivers for claims, follows and notifications (connected from `CommunityConfig.ready`).

- every new activity entry fans out to followers' notifications (`notify.fan_out`);
- a published change of a followed project notifies its followers, and its outcomes (a new
  stage, distinction or partner, from the catalogue's `project_outcomes`) are told to them;
- the editors' decision on a holder's edit (Wagtail workflow) is told to the holder in the site
  and by e-mail, with front-end links (Wagtail's own e-mails point members to the admin);
- after `migrate`: editor groups may review claims, and the django-q2 schedules of the
  notification e-mails exist (`schedules.ensure_schedules`, idempotent).
"""

from django.db.models.signals import post_migrate, post_save

from catalogue.editorial_roles import EDITORIAL_GROUPS

# Wagtail's editorial groups review holders' claims in the admin queue.
CLAIM_REVIEW_GROUPS = EDITORIAL_GROUPS
CLAIM_PERMISSIONS = ("view_projectclaim", "change_projectclaim")


def activity_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .notify import fan_out

        fan_out(instance)


def page_published(sender, instance, revision=None, **kwargs):
    from catalogue.models import ProjectPage

    if isinstance(instance, ProjectPage):
        from .notify import project_published

        project_published(instance, revision)


def workflow_approved(sender, instance, user=None, **kwargs):
    from .notify import holder_edit_decided

    holder_edit_decided(instance, approved=True)


def workflow_rejected(sender, instance, user=None, **kwargs):
    from .notify import holder_edit_decided

    holder_edit_decided(instance, approved=False)


def after_migrate(sender, using="default", **kwargs):
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    create_permissions(sender, verbosity=0, using=using)
    perms = list(
        Permission.objects.using(using).filter(
            content_type__app_label="community", codename__in=CLAIM_PERMISSIONS
        )
    )
    for group in Group.objects.using(using).filter(name__in=CLAIM_REVIEW_GROUPS):
        group.permissions.add(*perms)

    from .schedules import ensure_schedules

    ensure_schedules(using=using)


def connect(app_config):
    from wagtail.signals import page_published as wagtail_page_published
    from wagtail.signals import workflow_approved as wagtail_workflow_approved
    from wagtail.signals import workflow_rejected as wagtail_workflow_rejected

    from catalogue.outcomes import project_outcomes

    from . import personal_data  # noqa: F401 - registers the export sections
    from .models import Activity
    from .outcomes import outcomes_received

    post_save.connect(activity_created, sender=Activity, dispatch_uid="community_fan_out")
    wagtail_page_published.connect(page_published, dispatch_uid="community_project_published")
    project_outcomes.connect(outcomes_received, dispatch_uid="community_project_outcomes")
    wagtail_workflow_approved.connect(workflow_approved, dispatch_uid="community_edit_approved")
    wagtail_workflow_rejected.connect(workflow_rejected, dispatch_uid="community_edit_rejected")
    post_migrate.connect(after_migrate, sender=app_config, dispatch_uid="community_5b_migrate")
