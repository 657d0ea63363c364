"""A holder's front-end edit: the catalogue's write path, moderation, permissions, harvests."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import WorkflowState

from catalogue import services
from catalogue.models import CuratedField, ProjectPage
from tests.catalogue.factories import ffe_record
from tests.community.factories import make_user

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


# --- the front-end form and its permissions -------------------------------------------------------
from io import BytesIO  # noqa: E402

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.urls import reverse  # noqa: E402

from community import holders  # noqa: E402
from community.models import ProjectNews  # noqa: E402
from tests.community.factories import approve, make_editor  # noqa: E402


def edit_urls(page, news_pk=0):
    """Every URL of the holder's tools for `page`: (method, url)."""
    return [
        ("get", reverse("community:holder_edit", args=[page.pk])),
        ("post", reverse("community:holder_edit", args=[page.pk])),
        ("get", reverse("community:holder_history", args=[page.pk])),
        ("get", reverse("community:news_post", args=[page.pk])),
        ("post", reverse("community:news_post", args=[page.pk])),
        ("post", reverse("community:news_delete", args=[page.pk, news_pk])),
    ]


def form_data(page, **overrides):
    data = {
        "summary": page.summary,
        "description": page.description,
        "website": page.website,
        "contact_email": page.contact_email,
        "contact_phone": page.contact_phone,
        "codes": [c.code for c in page.codes.all()],
        "address": page.address,
        "postal_code": page.postal_code,
        "city": page.city,
        "stage": page.stage,
    }
    data.update(overrides)
    return data


def _non_holders(page, other_page):
    """Every kind of person who must not edit `page`, as (label, user or None)."""
    editor = make_editor("autre-redaction")
    pending = make_user("en-attente")
    holders.submit_claim(pending, page, role="Bénévole")
    rejected = make_user("refuse")
    holders.decide_claim(editor, holders.submit_claim(rejected, page, role="Fan"), approve=False)
    revoked = make_user("retire")
    holders.revoke_claim(editor, approve(revoked, page))
    elsewhere = make_user("ailleurs")
    approve(elsewhere, other_page)
    return [
        ("anonymous", None),
        ("member", make_user("membre")),
        ("unverified member", make_user("non-verifie", verified=False)),
        ("pending claimant", pending),
        ("rejected claimant", rejected),
        ("revoked holder", revoked),
        ("holder of another project", elsewhere),
        ("staff without page permission", make_user("staff", is_staff=True)),
    ]


def test_everyone_but_holders_and_editors_gets_403(client, ffe_project, other_ffe_project):
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    news = holders.post_news(owner, ffe_project, title="Ouverture", body="Venez nombreux.")
    before = (ffe_project.revisions.count(), ProjectNews.objects.count())
    checked = 0
    for label, user in _non_holders(ffe_project, other_ffe_project):
        client.logout()
        if user is not None:
            client.force_login(user)
        for method, url in edit_urls(ffe_project, news.pk):
            data = form_data(ffe_project, summary="Piraté") if method == "post" else None
            if "actualites" in url and method == "post":
                data = {"title": "Piraté", "body": "Piraté"}
            response = getattr(client, method)(url, data)
            assert response.status_code == 403, (label, method, url, response.status_code)
            checked += 1
    assert checked == 8 * 6
    ffe_project.refresh_from_db()
    assert ffe_project.summary != "Piraté"
    assert (ffe_project.revisions.count(), ProjectNews.objects.count()) == before


def test_holder_of_another_project_cannot_post_with_forged_news_id(
    client, ffe_project, other_ffe_project
):
    owner, intruder = make_user("porteuse"), make_user("intrus")
    approve(owner, ffe_project)
    approve(intruder, other_ffe_project)
    news = holders.post_news(owner, ffe_project, title="Ouverture", body="Venez.")
    client.force_login(intruder)
    # Their own project's URL with the other project's news id: 404, and nothing deleted.
    url = reverse("community:news_delete", args=[other_ffe_project.pk, news.pk])
    assert client.post(url).status_code == 404
    assert ProjectNews.objects.filter(pk=news.pk).exists()


def test_holder_and_editor_may_open_every_tool(client, ffe_project):
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    for user in (owner, make_editor()):
        client.force_login(user)
        for method, url in edit_urls(ffe_project):
            if method == "get":
                assert client.get(url).status_code == 200, url


def test_unknown_project_is_404(client):
    client.force_login(make_user("porteuse"))
    assert client.get(reverse("community:holder_edit", args=[999999])).status_code == 404


def test_holder_edit_is_moderated_then_published(client, ffe_project, settings):
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = False
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    url = reverse("community:holder_edit", args=[ffe_project.pk])
    response = client.post(
        url,
        form_data(
            ffe_project,
            summary="Des tenues professionnelles pour retrouver un emploi.",
            stage="developpement",
            codes=["EMP", "INS"],
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("community:holder_history", args=[ffe_project.pk])
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.summary != "Des tenues professionnelles pour retrouver un emploi."
    assert page.workflow_in_progress and page.current_workflow_state.requested_by == owner
    # The holder sees the pending revision in the history, the public does not see it.
    history = client.get(response["Location"]).content.decode()
    assert 'data-status="pending"' in history and "data-pending" in history
    client.logout()
    assert "retrouver un emploi" not in client.get(page.url).content.decode()
    # The editor approves the moderation task: the change is published.
    editor = make_editor()
    task_state = page.current_workflow_task_state
    task_state.task.specific.on_action(task_state.specific, editor, "approve")
    page.refresh_from_db()
    assert page.summary == "Des tenues professionnelles pour retrouver un emploi."
    assert page.stage == "developpement"
    assert "retrouver un emploi" in client.get(page.url).content.decode()
    client.force_login(owner)
    history = client.get(reverse("community:holder_history", args=[page.pk])).content.decode()
    assert 'data-status="live"' in history and "porteur du projet" in history


def test_holder_edit_published_at_once_by_setting(client, ffe_project, settings):
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = True
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    client.post(
        reverse("community:holder_edit", args=[ffe_project.pk]),
        form_data(ffe_project, website="https://www.lacravatesolidaire.org/nous-rejoindre"),
    )
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.website == "https://www.lacravatesolidaire.org/nous-rejoindre"
    assert not page.workflow_in_progress
    assert CuratedField.objects.get(project=page, field_name="website").curated_by == "holder"


XSS_DESCRIPTIONS = [
    '<p>Bonjour<script>alert("x")</script></p>',
    '<p onclick="alert(1)">Bonjour</p>',
    '<p><a href="javascript:alert(1)">Bonjour</a></p>',
    "<p><img src=x onerror=alert(1)>Bonjour</p>",
    '<p><iframe src="https://evil.example"></iframe>Bonjour</p>',
    "<p><style>body{display:none}</style>Bonjour</p>",
    '<p><a href="https://ok.example" style="color:red" onmouseover="x()">Bonjour</a></p>',
    "<svg><script>alert(1)</script></svg><p>Bonjour</p>",
]


@pytest.mark.parametrize("payload", XSS_DESCRIPTIONS)
def test_description_is_sanitised(payload):
    from community.holder_forms import sanitise_description

    cleaned = sanitise_description(payload)
    assert "Bonjour" in cleaned
    for bad in ("<script", "onclick", "onerror", "onmouseover", "javascript:", "<iframe", "<img"):
        assert bad not in cleaned.lower()
    assert "style" not in cleaned.lower()


def test_plain_text_description_becomes_paragraphs():
    from community.holder_forms import sanitise_description

    assert sanitise_description("Un.\n\nDeux <b>") == "<p>Un.</p><p>Deux &lt;b&gt;</p>"
    assert sanitise_description('<p>Voir <a href="https://x.example/">ici</a></p>') == (
        '<p>Voir <a href="https://x.example/" rel="noopener nofollow">ici</a></p>'
    )


def _png_bytes(size=(40, 30)):
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_upload_validated_and_attached(client, ffe_project, settings):
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = True
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    url = reverse("community:holder_edit", args=[ffe_project.pk])
    fake = SimpleUploadedFile("logo.png", b"<?php echo 'not an image'; ?>", "image/png")
    response = client.post(url, {**form_data(ffe_project), "image": fake})
    assert response.status_code == 200 and "image" in response.context["form"].errors
    assert ProjectPage.objects.get(pk=ffe_project.pk).image_id is None
    real = SimpleUploadedFile("logo.png", _png_bytes(), "image/png")
    response = client.post(url, {**form_data(ffe_project), "image": real})
    assert response.status_code == 302
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.image is not None and page.image.uploaded_by_user == owner
    assert CuratedField.objects.filter(project=page, field_name="image").exists()


def test_unknown_postal_code_is_refused(client, ffe_project):
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    response = client.post(
        reverse("community:holder_edit", args=[ffe_project.pk]),
        form_data(ffe_project, postal_code="75000"),
    )
    assert response.status_code == 200 and "postal_code" in response.context["form"].errors


def test_holder_edit_then_harvest_keeps_holder_fields_end_to_end(client, ffe_project, settings):
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = True
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    client.post(
        reverse("community:holder_edit", args=[ffe_project.pk]),
        form_data(ffe_project, summary="Le mot de la porteuse.", postal_code="28700", city=""),
    )
    result = services.upsert_project(
        ffe_record(summary="Texte du partenaire.", postal_code="75013", contact_phone="09"),
        source_key="ffe",
    )
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.summary == "Le mot de la porteuse." and page.postal_code == "28700"
    assert page.department_code == "28" and page.contact_phone == "09"
    assert {"summary", "postal_code"} <= set(result.kept_curated)


def test_news_posted_by_holder_shows_on_page(client, ffe_project):
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    response = client.post(
        reverse("community:news_post", args=[ffe_project.pk]),
        {
            "title": "Nouvelle boutique",
            "body": "Ouverture à Lyon <script>alert(1)</script> : www.lacravatesolidaire.org",
            "link": "https://lacravatesolidaire.org/lyon",
        },
    )
    news = ProjectNews.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#actualite-{news.pk}")
    html = client.get(ffe_project.url).content.decode()
    assert "Nouvelle boutique" in html and "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html and 'href="https://www.lacravatesolidaire.org"' in html
    client.post(reverse("community:news_delete", args=[ffe_project.pk, news.pk]))
    assert not ProjectNews.objects.exists()


def test_news_link_must_be_http(client, ffe_project):
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    response = client.post(
        reverse("community:news_post", args=[ffe_project.pk]),
        {"title": "x", "body": "y", "link": "javascript:alert(1)"},
    )
    assert response.status_code == 200 and not ProjectNews.objects.exists()


def test_editors_decisions_reach_the_holder_not_admin_links(
    client, ffe_project, mailoutbox, django_capture_on_commit_callbacks
):
    from community.models import Notification

    owner = make_user("porteuse", "porteuse@lacravatesolidaire.org")
    approve(owner, ffe_project)
    editor = make_editor()
    mailoutbox.clear()
    services.apply_holder_edit(ffe_project, owner, {"summary": "Première version."}, publish=False)
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    # The editor requests changes, with a comment.
    task_state = page.current_workflow_task_state
    with django_capture_on_commit_callbacks(execute=True):
        task_state.task.specific.on_action(
            task_state.specific, editor, "reject", comment="Précisez le public accompagné."
        )
    page.refresh_from_db()
    assert page.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES
    sent_back = Notification.objects.get(recipient=owner, kind="edit_needs_changes")
    assert sent_back.body == "Précisez le public accompagné."
    assert sent_back.url == reverse("community:holder_edit", args=[page.pk])
    to_owner = [m for m in mailoutbox if owner.email in m.to]
    assert len(to_owner) == 1 and "/admin/" not in to_owner[0].body
    # The holder corrects: the same workflow resumes; the editor approves; the holder is told.
    services.apply_holder_edit(page, owner, {"summary": "Version corrigée."}, publish=False)
    page.refresh_from_db()
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert WorkflowState.objects.filter(object_id=str(page.pk)).count() == 1
    task_state = page.current_workflow_task_state
    with django_capture_on_commit_callbacks(execute=True):
        task_state.task.specific.on_action(task_state.specific, editor, "approve")
    page.refresh_from_db()
    assert page.summary == "Version corrigée."
    assert Notification.objects.filter(recipient=owner, kind="edit_published").count() == 1
    to_owner = [m for m in mailoutbox if owner.email in m.to]
    assert len(to_owner) == 2 and all("/admin/" not in m.body for m in to_owner)
    history = holders.revision_history(page)
    assert [row["status"] for row in history[:1]] == ["live"]
    assert "rejected" in [row["status"] for row in history]


@pytest.mark.parametrize(
    "description",
    [
        "Première ligne\nseconde ligne\n\n- un\n- deux\n\nVoir https://exemple.org/",
        "<p>Un<br>deux</p><ul><li>trois</li></ul><h3>Titre</h3>"
        '<p><strong>gras</strong> <a href="https://exemple.org/">lien</a></p>',
    ],
)
def test_holder_rich_text_opens_in_wagtail_and_saves_back_unchanged(
    ffe_project, holder, description
):
    """A holder's line break made Wagtail's edit view answer 500 ("Unmatched tags")."""
    from django.test import Client

    from community.holder_forms import sanitise_description
    from tests.test_round_trip import differences, form_data, page_state

    cleaned = sanitise_description(description)  # what the holder's form hands the service
    services.apply_holder_edit(ffe_project, holder, {"description": cleaned}, publish=True)
    stored = ProjectPage.objects.get(pk=ffe_project.pk).description
    assert "<br/>" in stored or "<li" in stored
    get_user_model().objects.create_superuser("redaction", "r@example.org", "x")
    client = Client()
    client.force_login(get_user_model().objects.get(username="redaction"))
    response = client.get(f"/admin/pages/{ffe_project.pk}/edit/")
    assert response.status_code == 200
    before = page_state(ffe_project.pk)
    data = form_data(response.content.decode(), form_id="page-edit-form")
    data["action-publish"] = ["action-publish"]
    assert client.post(f"/admin/pages/{ffe_project.pk}/edit/", data).status_code == 302
    assert differences(before, page_state(ffe_project.pk)) == {}
    # The holder's form, saved unchanged: no new revision.
    latest = ProjectPage.objects.get(pk=ffe_project.pk).latest_revision_id
    approve(holder, ffe_project)
    client.force_login(holder)
    url = reverse("community:holder_edit", args=[ffe_project.pk])
    page = client.get(url).content.decode()
    data = form_data(page, has_field="description")
    assert "data-richtext" in page and "data-block-key" not in data["description"][0]
    client.post(url, data)
    assert ProjectPage.objects.get(pk=ffe_project.pk).latest_revision_id == latest


def test_disk_full_while_uploading_keeps_the_previous_image(
    client, ffe_project, settings, tmp_path, monkeypatch
):
    """ENOSPC while the holder's new image is written: a clear form error (503), the page keeps
    its previous image, the media folder holds the previous files only."""
    from tests.test_faults import _media_files, full_disk

    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = True
    settings.MEDIA_ROOT = str(tmp_path)
    owner = make_user("porteuse")
    approve(owner, ffe_project)
    client.force_login(owner)
    url = reverse("community:holder_edit", args=[ffe_project.pk])
    first = SimpleUploadedFile("logo.png", _png_bytes(), "image/png")
    assert client.post(url, {**form_data(ffe_project), "image": first}).status_code == 302
    previous = ProjectPage.objects.get(pk=ffe_project.pk).image
    assert client.get(url).status_code == 200  # its preview rendition is written
    before = _media_files(tmp_path)
    full_disk(monkeypatch, room=50)
    second = SimpleUploadedFile("autre.png", _png_bytes((60, 50)), "image/png")
    response = client.post(url, {**form_data(ffe_project), "image": second, "summary": "Neuf"})
    assert response.status_code == 503
    assert "espace disque insuffisant" in response.context["form"].errors["image"][0]
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    assert page.image_id == previous.pk and page.summary != "Neuf"
    assert _media_files(tmp_path) == before
