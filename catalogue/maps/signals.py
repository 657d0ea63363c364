"""Keep the precomputed map (and the data version) in step with page changes."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished

from .. import freshness
from ..models import ProjectPage
from . import grid


def _project_changed(sender, instance, **kwargs):
    pk = instance.pk
    if pk is None:
        return
    grid.refresh_project(pk)
    freshness.bump()


def _restrictions_changed(sender, instance, **kwargs):
    # Rare (a whole section made private or public again): recount everything, at once, so
    # that no private project stays on the map even for a moment.
    grid.rebuild_clusters()
    freshness.bump()


def connect():
    page_published.connect(_project_changed, sender=ProjectPage, dispatch_uid="map-published")
    page_unpublished.connect(_project_changed, sender=ProjectPage, dispatch_uid="map-unpublished")
    post_delete.connect(_project_changed, sender=ProjectPage, dispatch_uid="map-deleted")
    post_save.connect(
        _restrictions_changed, sender=PageViewRestriction, dispatch_uid="map-restriction-saved"
    )
    post_delete.connect(
        _restrictions_changed, sender=PageViewRestriction, dispatch_uid="map-restriction-deleted"
    )
