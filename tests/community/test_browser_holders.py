"""Real-browser journey: a member claims a project, an editor approves the claim in the Wagtail
admin, the holder edits the page from the front end, the editor approves the moderation task in
the Wagtail admin, and the change is published."""

import re

import pytest
from django.contrib.auth import get_user_model

from catalogue.models import ProjectPage
from community.models import ProjectClaim
from tests.browser import describe_violations
from tests.catalogue.factories import make_project

from .factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD_LABEL = re.compile(r"^Mot de passe\s*:?$")
NEW_SUMMARY = "Des tenues professionnelles prêtées pour réussir ses entretiens d'embauche."


def log_in(page, email):
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_load_state()
    assert "Connecté·e" in page.locator(".account-links").inner_text()


def admin_log_in(tab, username):
    tab.goto("/admin/login/")
    tab.locator("#id_username").fill(username)
    tab.locator("#id_password").fill(PASSWORD)
    tab.locator("form button[type=submit]").first.click()
    tab.wait_for_load_state()
    assert "/admin/login/" not in tab.url


@pytest.fixture
def editor_tab(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def test_claim_approve_edit_moderate_publish(page, editor_tab, axe, settings):
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = False
    settings.MAP_TILE_URL = ""  # offline: the project page's map would only log tile errors
    from catalogue import services

    services.ensure_site_tree()
    project = make_project()
    member = UserFactory(email="marie@lacravatesolidaire.org", display_name="Marie Porteuse")
    get_user_model().objects.create_superuser("redaction", "redaction@carrefour.example", PASSWORD)

    # 1. The member claims the project from its page.
    log_in(page, member.email)
    page.goto(project.url)
    page.get_by_role("link", name="C'est mon projet").click()
    page.wait_for_load_state()
    assert page.locator("[data-domain-match]").is_visible()
    assert axe(page) == [], describe_violations(axe(page))
    page.get_by_label("Votre rôle dans le projet").fill("Présidente")
    page.get_by_label("Message à la rédaction (facultatif)").fill("Je préside l'association.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_load_state()
    assert "transmise à la rédaction" in page.locator(".messages").inner_text()
    claim = ProjectClaim.objects.get()
    assert claim.matching_email == member.email and claim.status == "pending"

    # 2. The editor approves the claim in the Wagtail admin queue.
    admin_log_in(editor_tab, "redaction")
    editor_tab.goto("/admin/porteurs/")
    row = editor_tab.locator(f"tr[data-claim='{claim.pk}']")
    assert "marie@lacravatesolidaire.org" in row.inner_text()
    with editor_tab.expect_navigation():
        row.get_by_role("button", name="Approuver").click()
    claim.refresh_from_db()
    assert claim.status == "approved"

    # 3. The holder sees the badge and edits the page from the front end.
    page.goto(project.url)
    assert "porteur du projet" in page.locator(".project-holders").inner_text()
    page.get_by_role("link", name="Modifier la fiche").click()
    page.wait_for_load_state()
    assert axe(page) == [], describe_violations(axe(page))
    page.get_by_label("Résumé").fill(NEW_SUMMARY)
    page.get_by_role("button", name="Envoyer à la rédaction").click()
    page.wait_for_load_state()
    assert "relues" in page.locator(".messages").inner_text() or "relira" in page.content()
    assert page.locator("tr[data-status='pending']").count() == 1
    project.refresh_from_db()
    assert project.summary != NEW_SUMMARY and project.workflow_in_progress

    # 4. The editor approves the moderation task in the Wagtail admin page editor.
    editor_tab.goto(f"/admin/pages/{project.pk}/edit/")
    editor_tab.wait_for_load_state()
    approve = editor_tab.locator(
        "button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])"
    )
    if not approve.is_visible():  # inside the footer's action dropdown
        editor_tab.locator("footer [data-w-dropdown-target='toggle']").first.click()
    with editor_tab.expect_navigation():
        approve.click()
    project = ProjectPage.objects.get(pk=project.pk)
    assert project.summary == NEW_SUMMARY and not project.workflow_in_progress

    # 5. The change is published: anyone sees it.
    page.goto(project.url)
    assert NEW_SUMMARY in page.locator(".project__header").inner_text()
    page.goto(f"/projets/{project.pk}/historique/")
    assert page.locator("tr[data-status='live']").count() == 1
    assert page.errors == []
