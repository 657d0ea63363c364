"""The one write path to project pages.

The sample loader, the harvester, the admin's imports and a holder's front-end edit
all change project pages through these functions, so that the rules live in one
place: page URLs never change after creation, curated fields survive harvests,
provenance is recorded, unchanged records cost one hash comparison.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page, Site

from .keywords import keyword_names
from .models import (
    CURATABLE_FIELDS,
    ArticleIndexPage,
    CuratedField,
    HomePage,
    NomenclatureCode,
    PartnerIndexPage,
    PartnerPage,
    ProjectDistinction,
    ProjectIndexPage,
    ProjectPage,
    ProjectSource,
)
from .public_pages import ensure_public_body_pages  # noqa: F401 - the site tree's legal pages
from .records import ProjectRecord
from .richtext import editor_html
from .sanitise import one_line, plain_text, rich_text, safe_url, text_to_rich_text

logger = logging.getLogger(__name__)

SOCIAL_FIELDS = {
    "facebook": "facebook_url",
    "twitter": "twitter_url",
    "linkedin": "linkedin_url",
    "instagram": "instagram_url",
    "youtube": "youtube_url",
}

# Record attributes copied onto page fields of the same name (text made safe on the way).
PLAIN_FIELDS = (
    "summary",
    "website",
    "contact_email",
    "contact_phone",
    "structure_name",
    "structure_kind",
    "start_year",
    "stage",
    "scale",
    "address",
    "postal_code",
    "city",
    "insee_code",
    "location_note",
)


class ServiceError(Exception):
    """A record that cannot be written; the message says why, in French for editors."""


@dataclass
class UpsertResult:
    page: ProjectPage | None
    action: str  # "created", "updated", "unchanged"
    kept_curated: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------
# Site tree
# ---------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------
# Partners
# ---------------------------------------------------------------------------------
def upsert_partner(name: str, *, publish: bool = True, **fields) -> PartnerPage:
    """Create or update a partner page, matched by name (case-insensitive).

    `publish=False` creates it as a draft (a partner whose agreement is pending). Text fields
    pass the sanitiser (the description is rich text).
    """
    name = one_line(name)
    fields = {key: safe_value(key, value) for key, value in fields.items()}
    if not name:
        raise ServiceError("Un partenaire doit avoir un nom.")
    partner = PartnerPage.objects.filter(title__iexact=name).first()
    with transaction.atomic():
        if partner is None:
            index = PartnerIndexPage.objects.first() or ensure_site_tree().partners
            partner = PartnerPage(title=name, slug=_unique_slug(index, name), **fields)
            index.add_child(instance=partner)
            revision = partner.save_revision()
            if publish:
                revision.publish()
            else:
                partner.unpublish()
            return partner
        changed = [key for key, value in fields.items() if getattr(partner, key) != value]
        if changed:
            for key in changed:
                setattr(partner, key, fields[key])
            partner.save_revision().publish()
    return partner


def find_partner(name: str) -> PartnerPage | None:
    return PartnerPage.objects.filter(title__iexact=name.strip()).first() if name else None


# ---------------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------------
def find_project(source_key: str, source_id: str = "", source_url: str = "") -> ProjectPage | None:
    """The update key: (source, source id), else the URL of the original page.

    A record with an id is found by URL only on a row stored without id: items of an API or a
    file share one URL, which must not make them one record.
    """
    sources = ProjectSource.objects.filter(source_key=source_key)
    match = None
    if source_id:
        match = sources.filter(source_id=source_id).select_related("project").first()
    if match is None and source_url:
        by_url = sources.filter(source_url=source_url)
        if source_id:
            by_url = by_url.filter(source_id="")
        match = by_url.select_related("project").first()
    return match.project if match else None


def curated_field_names(page: ProjectPage) -> set[str]:
    return set(page.curated_fields.values_list("field_name", flat=True))


def mark_curated(page: ProjectPage, field_names, *, by: str, user=None) -> None:
    """Record that a person edited these fields: harvests leave them alone from now on."""
    now = timezone.now()
    for name in field_names:
        if name not in CURATABLE_FIELDS:
            continue
        CuratedField.objects.update_or_create(
            project=page,
            field_name=name,
            defaults={"curated_by": by, "user": user, "at": now},
        )


def description_html(text: str) -> str:
    """A record's description (plain text: paragraphs split by blank lines) as rich text.

    Markup in a record's text is text: the normalisers already took the partner's markup
    apart, so a "<" left in it is shown as typed, never parsed again."""
    return text_to_rich_text(text)


# Page fields holding one line of text, and the multi-line plain text ones.
ONE_LINE_FIELDS = {"title", "structure_name", "address", "city", "contact_phone", "location_note"}
URL_FIELDS = {"website", *SOCIAL_FIELDS.values()}


def safe_value(name: str, value):
    """A page field's value made safe for storage: what any writer gives passes here.

    Rich text through the allow-list, plain text without markup or control characters,
    addresses only with an http(s) scheme (a ``javascript:`` link is dropped, not stored)."""
    if not isinstance(value, str):
        return value
    if name in ("description", "intro"):
        return rich_text(value)
    if name in URL_FIELDS:
        return safe_url(value)
    if name in ONE_LINE_FIELDS:
        return one_line(value)
    return plain_text(value).strip()


def _fit(name: str, value):
    """Cut text to the field's length (an over-long source value must not lose the record)."""
    if isinstance(value, str):
        max_length = ProjectPage._meta.get_field(name).max_length
        if max_length and len(value) > max_length:
            return value[: max_length - 1].rstrip() + "…"
    return value


def _record_values(record: ProjectRecord) -> dict:
    """The page field values a record proposes (empty values are not proposals)."""
    values = _record_values_raw(record)
    # The description is built as rich text from the record's plain text (safe already).
    safe = {n: v if n == "description" else safe_value(n, v) for n, v in values.items()}
    return {name: _fit(name, value) for name, value in safe.items() if value not in ("", None)}


def _record_values_raw(record: ProjectRecord) -> dict:
    values = {}
    if record.title.strip():
        values["title"] = record.title.strip()[:255]
    for name in PLAIN_FIELDS:
        value = getattr(record, name)
        if value not in ("", None):
            values[name] = value
    if record.description:
        values["description"] = editor_html(description_html(record.description))
    for key, field_name in SOCIAL_FIELDS.items():
        if record.social_links.get(key):
            values[field_name] = record.social_links[key]
    if record.latitude is not None and record.longitude is not None:
        values["latitude"] = record.latitude
        values["longitude"] = record.longitude
    return values


def _unique_slug(parent: Page, title: str) -> str:
    base = slugify(title)[:70] or "projet"
    slug, n = base, 2
    siblings = set(
        Page.objects.child_of(parent).filter(slug__startswith=base).values_list("slug", flat=True)
    )
    while slug in siblings:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _apply(page: ProjectPage, values: dict, curated: set[str]) -> tuple[list[str], list[str]]:
    """Set values on the page, except curated fields. Returns (changed, kept_curated)."""
    changed, kept = [], []
    for name, value in values.items():
        guard = "location" if name in ("latitude", "longitude") else name
        if guard in curated:
            if getattr(page, name) != value:
                kept.append(name)
            continue
        if getattr(page, name) != value:
            setattr(page, name, value)
            changed.append(name)
    if "latitude" in changed or "longitude" in changed:
        page.location = ""  # re-derived from the floats in ProjectPage.save()
    return changed, kept


def _set_codes_and_tags(page: ProjectPage, record: ProjectRecord, curated: set[str]) -> bool:
    changed = False
    if record.codes and "codes" not in curated:
        wanted = set(
            NomenclatureCode.objects.filter(code__in=record.codes).values_list("pk", flat=True)
        )
        current = {c.pk for c in page.codes.all()}
        if wanted != current:
            page.codes = list(NomenclatureCode.objects.filter(pk__in=wanted))
            changed = True
    if record.tags and "tags" not in curated:
        wanted_tags = sorted(keyword_names(one_line(t) for t in record.tags))
        current_tags = sorted(t.name for t in page.tags.all())
        if wanted_tags != current_tags:
            page.tags.set(wanted_tags, clear=True)
            changed = True
    return changed


def _set_distinctions(page: ProjectPage, record: ProjectRecord) -> bool:
    wanted = [
        (one_line(d.name)[:255], d.year, safe_url(d.url))
        for d in record.distinctions
        if one_line(d.name)
    ]
    current = [(d.name, d.year, d.url) for d in page.distinctions.all()]
    if not wanted or set(wanted) <= set(current):
        return False
    merged = current + [w for w in wanted if w not in current]
    page.distinctions = [ProjectDistinction(name=n, year=y, url=u) for n, y, u in merged]
    return True


def upsert_project(
    record: ProjectRecord,
    *,
    source_key: str,
    partner: PartnerPage | None = None,
    seen_at: datetime | None = None,
    user=None,
    image_fetcher=None,
) -> UpsertResult:
    """Create or update the project page a record describes, in place (one transaction).

    Invalid data raises `ServiceError` with the reason, and nothing of that record is written.
    """
    try:
        with transaction.atomic():
            return _upsert_project(
                record,
                source_key=source_key,
                partner=partner,
                seen_at=seen_at,
                user=user,
                image_fetcher=image_fetcher,
            )
    except ValidationError as error:
        details = "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            for field, messages in getattr(error, "message_dict", {"": error.messages}).items()
        )
        raise ServiceError(f"Fiche invalide ({details})") from error


def _upsert_project(
    record: ProjectRecord,
    *,
    source_key: str,
    partner: PartnerPage | None = None,
    seen_at: datetime | None = None,
    user=None,
    image_fetcher=None,
) -> UpsertResult:
    """Create or update the project page a record describes, in place.

    One transaction per record: a crash leaves every page consistent. `image_fetcher`
    (callable url -> wagtail Image or None) downloads images; without it images are skipped.
    """
    if not record.title.strip():
        raise ServiceError("Fiche sans titre : impossible de créer une page.")
    seen_at = seen_at or timezone.now()
    record_hash = record.content_hash()
    page = find_project(source_key, record.source_id, record.source_url)

    if page is None:
        index = get_project_index()
        page = ProjectPage(slug=_unique_slug(index, record.title))
        _apply(page, _record_values(record), set())
        _set_codes_and_tags(page, record, set())
        _set_distinctions(page, record)
        if image_fetcher and record.image_url:
            page.image = image_fetcher(record.image_url)
        index.add_child(instance=page)
        page.save_revision(user=user, log_action=True).publish(user=user)
        _record_source(page, record, source_key, partner, seen_at, record_hash)
        return UpsertResult(page=page, action="created")

    source = page.sources.filter(source_key=source_key).first()
    if source and source.content_hash == record_hash and page.live:
        _touch_source(source, seen_at)
        return UpsertResult(page=page, action="unchanged")

    # A pending draft (an editor's or a holder's edit in moderation) receives the harvest's
    # changes as a new draft; it is never published behind the moderators' back.
    has_draft = page.has_unpublished_changes and page.live
    if has_draft:
        page = page.get_latest_revision_as_object()
    else:
        page = page.specific
    curated = curated_field_names(page)
    changed, kept = _apply(page, _record_values(record), curated)
    if _set_codes_and_tags(page, record, curated):
        changed.append("codes/tags")
    if _set_distinctions(page, record):
        changed.append("distinctions")
    if image_fetcher and record.image_url and not page.image_id and "image" not in curated:
        page.image = image_fetcher(record.image_url)
        if page.image is not None:
            changed.append("image")
    restored = source is not None and not source.still_listed
    if changed or (restored and not page.live):
        revision = page.save_revision(user=user, log_action=True)
        if not has_draft:
            revision.publish(user=user)
    _record_source(page, record, source_key, partner, seen_at, record_hash)
    action = "updated" if changed or restored else "unchanged"
    return UpsertResult(page=page, action=action, kept_curated=kept)


def _record_source(page, record, source_key, partner, seen_at, record_hash):
    source, created = ProjectSource.objects.get_or_create(
        project=page,
        source_key=source_key,
        defaults={
            "source_id": record.source_id,
            "source_url": record.source_url,
            "partner": partner,
            "raw_tags": record.raw_tags,
            "first_seen": seen_at,
            "last_seen": seen_at,
            "content_hash": record_hash,
        },
    )
    if not created:
        source.source_id = record.source_id or source.source_id
        source.source_url = record.source_url or source.source_url
        source.partner = partner or source.partner
        source.raw_tags = record.raw_tags or source.raw_tags
        source.last_seen = seen_at
        source.still_listed = True
        source.missed_runs = 0
        source.content_hash = record_hash
        source.save()
    return source


def _touch_source(source: ProjectSource, seen_at) -> None:
    ProjectSource.objects.filter(pk=source.pk).update(
        last_seen=seen_at, still_listed=True, missed_runs=0
    )
    if not source.still_listed:
        # listed again: the search index's "still listed" facet follows (no save() signal here)
        from .search.indexer import index_project

        index_project(source.project_id)


def set_coup_de_coeur(page: ProjectPage, value: bool, *, user=None) -> None:
    """Editors' pick, as a new published revision (it shows in the page history)."""
    page = page.specific
    if page.coup_de_coeur == value:
        return
    page.coup_de_coeur = value
    page.save_revision(user=user, log_action=True).publish(user=user)


def add_source(
    page: ProjectPage,
    record: ProjectRecord,
    *,
    source_key: str,
    partner: PartnerPage | None = None,
    seen_at=None,
) -> ProjectSource:
    """Attach another partner's listing to an existing page (cross-source duplicate)."""
    return _record_source(
        page, record, source_key, partner, seen_at or timezone.now(), record.content_hash()
    )


def mark_unlisted(
    source_key: str, seen_ids: set[int], *, threshold: int = 2, unpublish: bool = False
) -> int:
    """After a complete run: count a miss for every record of this source not seen.

    A record missed by `threshold` consecutive complete runs is marked "no longer
    listed" (and unpublished if asked), never deleted. Returns how many were marked.
    """
    missed = ProjectSource.objects.filter(source_key=source_key, still_listed=True).exclude(
        pk__in=seen_ids
    )
    marked = 0
    for source in missed.select_related("project"):
        source.missed_runs += 1
        if source.missed_runs >= threshold:
            source.still_listed = False
            marked += 1
            if (
                unpublish
                and not source.project.sources.filter(still_listed=True)
                .exclude(pk=source.pk)
                .exists()
            ):
                source.project.unpublish()
        source.save(update_fields=["missed_runs", "still_listed"])
    if marked:
        # The end of a harvest's bulk change: the dumps follow at once (see catalogue.changes).
        from . import changes

        changes.changed(dumps=changes.NOW)
    return marked


# ---------------------------------------------------------------------------------
# Holders' front-end edits
# ---------------------------------------------------------------------------------
# The curated fields a project's approved holder may change from the front end.
HOLDER_FIELDS = (
    "summary",
    "description",
    "image",
    "website",
    "contact_email",
    "contact_phone",
    "codes",
    "address",
    "postal_code",
    "city",
    "stage",
)


@transaction.atomic
def apply_holder_edit(page: ProjectPage, user, cleaned_data: dict, *, publish: bool):
    """Apply a holder's edit as a new revision; publish it or submit it to moderation.

    `cleaned_data` holds already-validated values (description rich text, sanitised again here; image a
    Wagtail image; codes NomenclatureCode objects or codes); keys absent are left alone. The
    edit starts from the latest revision, so a draft waiting for moderation is not lost.
    Changed fields are marked curated by the holder: harvests never overwrite them. A change
    of postal code or commune re-locates the project through the gazetteer. Returns the new
    revision (the latest one, unchanged, when nothing differs).
    """
    unknown = set(cleaned_data) - set(HOLDER_FIELDS)
    if unknown:
        raise ServiceError(f"Champs non modifiables par le porteur : {', '.join(sorted(unknown))}")
    live = ProjectPage.objects.select_for_update().get(pk=page.pk)
    draft = live.get_latest_revision_as_object()
    changed = _holder_values(draft, cleaned_data)
    if _holder_codes(draft, cleaned_data):
        changed.append("codes")
    if {"postal_code", "city"} & set(changed):
        _relocate(draft)
        changed += ["insee_code", "location"]
    if not changed:
        return live.get_latest_revision()

    revision = draft.save_revision(user=user, log_action=True)
    if publish:
        # The caller checked that the user is an approved holder (or an editor).
        revision.publish(user=user, skip_permission_checks=True)
    else:
        _submit_for_moderation(draft, revision, user)
    mark_curated(live, changed, by="holder", user=user)
    return revision


def _holder_values(draft: ProjectPage, cleaned_data: dict) -> list[str]:
    """Set the holder's plain fields and image on the draft; the names that changed."""
    changed = []
    for name in HOLDER_FIELDS:
        if name not in cleaned_data or name == "codes":
            continue
        value = cleaned_data[name]
        if name == "image":
            if getattr(draft, "image_id", None) != (value.pk if value else None):
                draft.image = value
                changed.append(name)
            continue
        value = "" if value is None else safe_value(name, value)
        if name == "description":
            value = editor_html(value, like=draft.description)
        if getattr(draft, name) != value:
            setattr(draft, name, value)
            changed.append(name)
    return changed


def _holder_codes(draft: ProjectPage, cleaned_data: dict) -> bool:
    """Set the holder's nomenclature codes (objects or codes) on the draft; whether they changed."""
    if "codes" not in cleaned_data:
        return False
    wanted = {code if isinstance(code, str) else code.code for code in cleaned_data["codes"] or ()}
    if wanted == {code.code for code in draft.codes.all()}:
        return False
    draft.codes = list(NomenclatureCode.objects.filter(code__in=wanted))
    return True


def _relocate(draft: ProjectPage) -> None:
    """Place the draft again from its postal code and commune, through the gazetteer."""
    from .geography import locate
    from .models.projects import format_point

    result = locate(draft.postal_code, draft.city)
    draft.insee_code = result.commune.insee_code if result.commune else ""
    if result.lat is not None and result.lon is not None:
        draft.latitude, draft.longitude = result.lat, result.lon
        draft.location = format_point(result.lat, result.lon)
    else:
        draft.latitude = draft.longitude = None
        draft.location = ""
    draft.location_note = result.note


def _submit_for_moderation(draft: ProjectPage, revision, user) -> None:
    """Resume, update or start the moderation of the draft's new revision."""
    from wagtail.models import WorkflowState

    state = draft.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)
    elif state is not None:
        # Already in moderation: the moderators now review this newer revision.
        task_state = state.current_task_state
        if task_state is not None:
            task_state.revision = revision
            task_state.save(update_fields=["revision"])
    else:
        workflow = draft.get_workflow() or ensure_moderation_workflow()
        if workflow is not None:
            workflow.start(draft, user)
        else:  # no workflow at all: the edit stays a draft for editors to publish
            logger.warning("No moderation workflow for project %s", draft.pk)


# ---------------------------------------------------------------------------------
# Bulk and deduplication (harvests)
# ---------------------------------------------------------------------------------
def upsert_projects_bulk(records, **kwargs):
    """Create or update the pages of a stream of records in batches (see `catalogue.bulk`).

    The fast path of large harvests: new pages are created in bulk and are indistinguishable
    from pages made one by one (tree, url_path, first revision, history, indexes); unchanged
    records cost one UPDATE per batch; the others go through `upsert_project`. Yields one
    `BulkOutcome` per record, in order.
    """
    from .bulk import upsert_projects_bulk as _bulk

    return _bulk(records, **kwargs)


def bulk_stream():
    """State shared by the batches of one bulk stream fed in several calls of
    `upsert_projects_bulk(…, stream=…)`; call its `finish()` after the last one."""
    from .bulk import BulkStream

    return BulkStream()


def bulk_change():
    """A context in which many writes count as one change of the catalogue: the open-data
    dumps are rewritten once at its end (see `catalogue.changes`)."""
    from .changes import bulk_change as _bulk_change

    return _bulk_change()


@transaction.atomic
def merge_projects(duplicate: ProjectPage, into: ProjectPage, *, user=None) -> ProjectPage:
    """One project listed twice: `into` gets the provenance of `duplicate`, which is
    unpublished (never deleted) and redirected to `into`, so its links keep working."""
    from wagtail.contrib.redirects.models import Redirect

    duplicate, into = duplicate.specific, into.specific
    if duplicate.pk == into.pk:
        raise ServiceError("Une fiche ne peut pas être fusionnée avec elle-même.")
    shared = set(duplicate.sources.values_list("source_key", flat=True)) & set(
        into.sources.values_list("source_key", flat=True)
    )
    if shared:
        raise ServiceError(
            "Les deux fiches viennent de la même source (" + ", ".join(sorted(shared)) + ") : "
            "ce ne sont pas des doublons entre partenaires."
        )
    for source in duplicate.sources.all():
        source.project = into
        source.save(update_fields=["project"])
    old_path = duplicate.url
    if duplicate.live:
        duplicate.unpublish(user=user, log_action=True)
    if old_path:
        Redirect.objects.update_or_create(
            old_path=Redirect.normalise_path(old_path),
            site=None,
            defaults={"redirect_page": into, "is_permanent": True},
        )
    return into


# ---------------------------------------------------------------------------------
# Derived data
# ---------------------------------------------------------------------------------
def after_bulk_change(*, dumps: bool = True) -> dict:
    """Recompute everything derived from all pages (map clusters, data version, dumps).

    Not a step to remember: every write through these services ends in "the catalogue changed"
    (`catalogue.changes`). This is for data written around them (a benchmark's raw load, a
    restored database) and `manage.py check_catalogue --repair`.
    """
    from .changes import refresh_all

    return refresh_all(dumps=dumps)
