"""Holders' front-end edits: a new revision of the page, published or moderated.

The holder's form (community) calls `catalogue.services.apply_holder_edit`; the fields a holder
may change are `HOLDER_FIELDS`. Changed fields are marked curated by the holder.
"""

from __future__ import annotations

import logging

from django.db import transaction

from .confirmation import HOLDER, confirm
from .errata import snapshot
from .models import NomenclatureCode, ProjectPage
from .page_values import ServiceError, safe_value
from .project_fields import HOLDER_FIELDS
from .provenance import mark_curated
from .richtext import editor_html
from .site_tree import ensure_moderation_workflow

logger = logging.getLogger(__name__)


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
    before = snapshot(draft, (*HOLDER_FIELDS, "insee_code", "location"))  # for the errata
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
    mark_curated(
        live, changed, by="holder", user=user, before=before, after=draft, revision=revision
    )
    # The holder looked at the page and changed it: it is confirmed by them.
    confirm(live, HOLDER, user=user)
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
