"""Keep the precomputed map in step with page changes, and end each in "the catalogue changed"."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .. import changes
from ..models import ProjectPage
from . import grid

#: A move of a section with more projects than this recounts the whole map (one SQL pass).
MOVE_REFRESH_LIMIT = 50


def _project_changed(sender, instance, **kwargs):
    pk = instance.pk
    if pk is None:
        return
    grid.refresh_project(pk)
    changes.changed(pages=[pk])


def _page_moved(sender, instance, **kwargs):
    # A move may put projects under (or out of) a private section.
    page = Page.objects.filter(pk=instance.pk).only("path").first()
    if page is None:
        return
    ids = _projects_under(page.path)
    if not ids:
        return
    if len(ids) > MOVE_REFRESH_LIMIT:
        grid.rebuild_clusters()
    else:
        for pk in ids:
            grid.refresh_project(pk)
    changes.changed(pages=ids)  # their URLs changed (and maybe their public status)


def _projects_under(path: str) -> list[int]:
    return list(ProjectPage.objects.filter(path__startswith=path).values_list("pk", flat=True))


def _restrictions_changed(sender, instance, **kwargs):
    # Rare (a whole section made private or public again): recount everything, at once, so
    # that no private project stays on the map even for a moment.
    grid.rebuild_clusters()
    page = Page.objects.filter(pk=instance.page_id).only("path").first()
    changes.changed(pages=_projects_under(page.path) if page else ())


def connect():
    page_published.connect(_project_changed, sender=ProjectPage, dispatch_uid="map-published")
    page_unpublished.connect(_project_changed, sender=ProjectPage, dispatch_uid="map-unpublished")
    post_delete.connect(_project_changed, sender=ProjectPage, dispatch_uid="map-deleted")
    post_page_move.connect(_page_moved, dispatch_uid="map-moved")
    post_save.connect(
        _restrictions_changed, sender=PageViewRestriction, dispatch_uid="map-restriction-saved"
    )
    post_delete.connect(
        _restrictions_changed, sender=PageViewRestriction, dispatch_uid="map-restriction-deleted"
    )
