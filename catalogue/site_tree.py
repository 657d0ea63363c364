"""The site tree the catalogue's pages live in: home, catalogue, partners and news indexes,
the default Site, the moderation workflow of project pages; sibling slugs.

Made once, idempotently (`ensure_site_tree`), by the sample loader, the tests and any writer
that finds it missing. Used by the one-record and bulk write paths alike; imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Page, Site

from .models import ArticleIndexPage, HomePage, PartnerIndexPage, ProjectIndexPage


@dataclass
class SiteTree:
    home: HomePage
    projects: ProjectIndexPage
    partners: PartnerIndexPage
    news: ArticleIndexPage


def ensure_site_tree(hostname: str = "", port: int = 0) -> SiteTree:
    """Create (once) the home page, the catalogue, partners and news indexes, and the Site.

    The Site's hostname and port follow `BASE_URL` when it is set (`make run` sets it to where
    it serves), so links built without a request (digests) open on the running server.
    """
    from django.conf import settings

    from .site_url import configured_base_url, host_and_port

    configured = configured_base_url()
    if configured and not hostname:
        hostname, port = host_and_port(configured)
    hostname, port = hostname or "127.0.0.1", port or 8000
    with transaction.atomic():
        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            home = root.add_child(
                instance=HomePage(
                    title="Carrefour des innovations sociales",
                    slug="accueil",
                    hero_title="Les innovations sociales de toute la France, réunies",
                    hero_text=(
                        "Carrefour rassemble les projets référencés par les réseaux, fondations et "
                        "agences publiques partenaires, pour les rendre visibles et relier "
                        "celles et ceux qui les portent."
                    ),
                    hero_cta_label="Explorer les projets",
                )
            )
            home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site(is_default_site=True)
        wanted = {"root_page_id": home.pk, "site_name": settings.WAGTAIL_SITE_NAME}
        # Wagtail's migrations make a "localhost:80" Site for their welcome page: adopt it.
        if configured or site.pk is None or site.root_page_id != home.pk:
            wanted.update(hostname=hostname, port=port)
        if site.pk is None or any(getattr(site, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(site, key, value)
            site.save()
        # Wagtail's initial migration creates a welcome page; it is replaced by ours.
        for stray in Page.objects.child_of(root).exclude(pk=home.pk).filter(depth=2):
            if stray.specific_class is Page and stray.slug == "home":
                stray.delete()
        projects = _ensure_child(
            home,
            ProjectIndexPage,
            title="Projets",
            slug="projets",
            intro="<p>Toutes les innovations sociales référencées.</p>",
        )
        partners = _ensure_child(
            home,
            PartnerIndexPage,
            title="Partenaires",
            slug="partenaires",
            intro="<p>Les réseaux, fondations et agences dont nous publions les annuaires.</p>",
        )
        news = _ensure_child(
            home,
            ArticleIndexPage,
            title="Actualités",
            slug="actualites",
            intro="Les nouvelles du Carrefour et de ses partenaires.",
        )
        if not home.hero_cta_page_id:
            home.hero_cta_page = projects
            home.save_revision().publish()
        ensure_moderation_workflow(projects)
    from .slugs import ascii_slugs

    ascii_slugs()  # pages made before WAGTAIL_ALLOW_UNICODE_SLUGS=False (old URLs redirect)
    return SiteTree(home=home, projects=projects, partners=partners, news=news)


def ensure_moderation_workflow(projects: ProjectIndexPage | None = None):
    """Make sure project pages have a moderation workflow (holders' edits are submitted to it).

    Wagtail's migrations assign their default workflow to the root page (renamed in French by
    `editorial_roles`); when that is missing (deleted, or a database built differently), a group
    approval task for the moderators and editors is assigned to the catalogue. Returns the
    workflow that applies.
    """
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Task, Workflow, WorkflowPage, WorkflowTask

    from . import editorial_roles as roles

    roles.rename_legacy(Group, Workflow, Task)
    projects = projects or ProjectIndexPage.objects.first()
    if projects is None:
        return None
    workflow = projects.get_workflow()
    if workflow is not None and workflow.active:
        return workflow
    groups = list(Group.objects.filter(name__in=roles.EDITORIAL_GROUPS))
    task, created = GroupApprovalTask.objects.get_or_create(
        name=roles.TASK, defaults={"active": True}
    )
    if created and groups:
        task.groups.set(groups)
    workflow, _created = Workflow.objects.get_or_create(
        name=roles.WORKFLOW, defaults={"active": True}
    )
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=projects, defaults={"workflow": workflow})
    return workflow


def _ensure_child(parent, model, **fields):
    existing = model.objects.child_of(parent).first()
    if existing is not None:
        return existing
    page = parent.add_child(instance=model(**fields))
    page.save_revision().publish()
    return page


def get_project_index() -> ProjectIndexPage:
    index = ProjectIndexPage.objects.first()
    if index is None:
        index = ensure_site_tree().projects
    return index


def unique_slug(parent: Page, title: str) -> str:
    base = slugify(title)[:70] or "projet"
    slug, n = base, 2
    siblings = set(
        Page.objects.child_of(parent).filter(slug__startswith=base).values_list("slug", flat=True)
    )
    while slug in siblings:
        slug = f"{base}-{n}"
        n += 1
    return slug
