"""A holder's front-end edit: the catalogue's write path, moderation, permissions, harvests."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import WorkflowState

from catalogue import services
from catalogue.models import CuratedField, ProjectPage
from tests.community.factories_5b import ffe_record, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(db):
    """An approved holder of the project (the claim itself is tested in test_claims.py)."""
    return make_user("porteuse", "porteuse@lacravatesolidaire.org")


# --- the service ----------------------------------------------------------------------------
def test_published_edit_changes_live_page_and_curates_fields(ffe_project, holder):
    revision = services.apply_holder_edit(
        ffe_project,
        holder,
        {"summary": "Des tenues pour l'emploi.", "stage": "developpement", "codes": ["INS"]},
        publish=True,
    )
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.live_revision_id == revision.pk and revision.user == holder
    assert page.summary == "Des tenues pour l'emploi."
    assert [c.code for c in page.codes.all()] == ["INS"]
    curated = {c.field_name: c for c in CuratedField.objects.filter(project=page)}
    assert set(curated) == {"summary", "stage", "codes"}
    assert all(c.curated_by == "holder" and c.user == holder for c in curated.values())


def test_moderated_edit_waits_for_approval_then_publishes(ffe_project, holder):
    admin = get_user_model().objects.create_superuser("redaction", "r@example.org", "x")
    revision = services.apply_holder_edit(
        ffe_project, holder, {"summary": "Résumé proposé par la porteuse."}, publish=False
    )
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.summary != "Résumé proposé par la porteuse."  # live content unchanged
    assert page.has_unpublished_changes and page.workflow_in_progress
    state = page.current_workflow_state
    assert state.requested_by == holder
    assert state.current_task_state.revision_id == revision.pk
    # A second edit while in moderation: the moderators now review the newer revision.
    second = services.apply_holder_edit(
        page, holder, {"summary": "Résumé corrigé par la porteuse."}, publish=False
    )
    state.refresh_from_db()
    assert WorkflowState.objects.filter(object_id=str(page.pk)).count() == 1
    assert state.current_task_state.revision_id == second.pk
    # The editor approves in Wagtail's workflow: the holder's latest text goes live.
    task = state.current_task_state.task.specific
    task.on_action(state.current_task_state.specific, admin, "approve")
    page.refresh_from_db()
    assert page.summary == "Résumé corrigé par la porteuse." and not page.workflow_in_progress


def test_postal_code_change_relocates_through_gazetteer(ffe_project, holder):
    services.apply_holder_edit(
        ffe_project,
        holder,
        {"address": "12 rue de la Paix", "postal_code": "35000", "city": "Rennes"},
        publish=True,
    )
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.insee_code == "35238" and page.department_code == "35"
    assert round(page.latitude, 1) == 48.1 and round(page.longitude, 1) == -1.7
    assert page.location.startswith("SRID=4326;POINT(-1.")
    assert {"postal_code", "city", "address", "insee_code", "location"} <= set(
        CuratedField.objects.filter(project=page).values_list("field_name", flat=True)
    )


def test_unknown_field_is_refused(ffe_project, holder):
    with pytest.raises(services.ServiceError):
        services.apply_holder_edit(ffe_project, holder, {"coup_de_coeur": True}, publish=True)


def test_no_change_makes_no_revision(ffe_project, holder):
    before = ffe_project.revisions.count()
    services.apply_holder_edit(ffe_project, holder, {"summary": ffe_project.summary}, publish=True)
    assert ffe_project.revisions.count() == before


def test_harvest_after_holder_edit_keeps_holder_fields(ffe_project, holder):
    services.apply_holder_edit(
        ffe_project,
        holder,
        {"summary": "Le résumé de la porteuse.", "website": "https://www.lacravatesolidaire.org/"},
        publish=True,
    )
    result = services.upsert_project(
        ffe_record(summary="Résumé moissonné, différent.", contact_phone="01 11 11 11 11"),
        source_key="ffe",
    )
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert result.action == "updated"
    assert set(result.kept_curated) == {"summary", "website"}
    assert page.summary == "Le résumé de la porteuse."
    assert page.website == "https://www.lacravatesolidaire.org/"
    assert page.contact_phone == "01 11 11 11 11"  # not curated: the harvest updates it


def test_harvest_during_moderation_keeps_pending_holder_draft(ffe_project, holder):
    services.apply_holder_edit(ffe_project, holder, {"summary": "Proposé."}, publish=False)
    services.upsert_project(
        ffe_record(summary="Moissonné.", contact_phone="01 22 22 22 22"), source_key="ffe"
    )
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    draft = page.get_latest_revision_as_object()
    assert draft.summary == "Proposé." and draft.contact_phone == "01 22 22 22 22"
    assert page.workflow_in_progress
