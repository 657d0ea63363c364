"""Keep the search index in step with every change that affects what is public.

Page publish/unpublish/delete/move, view restrictions added or removed, provenance rows
(partner facet, "still listed"), and a nomenclature code's groups. Writes happen in the
caller's transaction, so a rolled-back publish leaves the index untouched.
"""

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from ..models import NomenclatureCode, PartnerPage, ProjectPage, ProjectSource, TaxonomyGroup
from . import indexer


def _page_changed(sender, instance, **kwargs):
    if instance.pk:
        indexer.index_project(instance.pk)


def _page_deleted(sender, instance, **kwargs):
    indexer.remove_projects([instance.pk])


def _page_moved(sender, instance, **kwargs):
    # URLs (and possibly inherited view restrictions) change for the page and its subtree.
    page = Page.objects.filter(pk=instance.pk).first()
    if page is not None:
        indexer.index_descendants(page)


def _cascaded(sender, kwargs) -> bool:
    """A delete cascading from another model's deletion (e.g. a page being deleted): the
    page's own deletion handles the index; re-indexing it now would leave orphan rows."""
    origin = kwargs.get("origin")
    if origin is None or "created" in kwargs:
        return False
    model = getattr(origin, "model", None) or type(origin)
    return not issubclass(model, sender)


def _restriction_changed(sender, instance, **kwargs):
    if _cascaded(sender, kwargs):
        return
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        indexer.index_descendants(page)


def _source_changed(sender, instance, **kwargs):
    if _cascaded(sender, kwargs):
        return
    if instance.project_id:
        indexer.index_project(instance.project_id)


def _code_groups_changed(sender, instance, action, pk_set=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    indexer.forget_taxonomy()
    if isinstance(instance, NomenclatureCode):
        codes = [instance.pk]
    else:  # reverse side: a group's codes changed
        codes = list(pk_set or instance.codes.values_list("pk", flat=True))
    ids = ProjectPage.codes.through.objects.filter(nomenclaturecode_id__in=codes).values_list(
        "projectpage_id", flat=True
    )
    indexer.index_projects(set(ids))


def ensure_schema(sender, using="default", **kwargs):
    """post_migrate: recreate full-text structures a table rebuild may have dropped."""
    from django.db import connections

    from . import schema

    indexer.forget_taxonomy()  # flush (transactional tests) also sends post_migrate
    schema.ensure(connections[using])


def connect():
    from . import admin_backend

    admin_backend.connect()
    uid = "catalogue-search-"
    page_published.connect(_page_changed, sender=ProjectPage, dispatch_uid=uid + "published")
    page_unpublished.connect(_page_changed, sender=ProjectPage, dispatch_uid=uid + "unpublished")
    post_delete.connect(_page_deleted, sender=ProjectPage, dispatch_uid=uid + "deleted")
    post_page_move.connect(_page_moved, dispatch_uid=uid + "moved")
    post_save.connect(_restriction_changed, sender=PageViewRestriction, dispatch_uid=uid + "vr+")
    post_delete.connect(_restriction_changed, sender=PageViewRestriction, dispatch_uid=uid + "vr-")
    post_save.connect(_source_changed, sender=ProjectSource, dispatch_uid=uid + "source+")
    post_delete.connect(_source_changed, sender=ProjectSource, dispatch_uid=uid + "source-")
    m2m_changed.connect(
        _code_groups_changed, sender=NomenclatureCode.groups.through, dispatch_uid=uid + "groups"
    )
    page_published.connect(
        indexer.forget_taxonomy, sender=PartnerPage, dispatch_uid=uid + "partner-label"
    )
    for model in (NomenclatureCode, TaxonomyGroup):
        post_save.connect(indexer.forget_taxonomy, sender=model, dispatch_uid=uid + model.__name__)
        post_delete.connect(
            indexer.forget_taxonomy, sender=model, dispatch_uid=uid + model.__name__ + "-"
        )
    post_migrate.connect(ensure_schema, dispatch_uid=uid + "schema")
