"""Real-browser journey: an editor confirms suggested codes in bulk in the Wagtail admin (axe)."""

import pytest
from django.contrib.auth.models import Permission

from catalogue import services
from catalogue.models import ProjectPage
from importers.harvest import run_source
from tests.browser import describe_violations
from tests.community.factories import PASSWORD, UserFactory

from .test_code_suggestions_harvest import unseen_source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_editor_confirms_suggested_codes(page, axe, tmp_path):
    services.ensure_site_tree()
    run_source(unseen_source(tmp_path))
    editor = UserFactory(username="redaction", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "add_tagmapping", "change_tagmapping"]
        )
    )
    page.goto("/admin/login/")
    page.locator("#id_username").fill("redaction")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()

    page.goto("/admin/collecte/codes-suggeres/")
    assert page.get_by_role("heading", name="Codes suggérés à confirmer").count()
    assert axe(page) == [], describe_violations(axe(page))
    row = page.locator("tbody tr", has_text="Tiers lieux à dominante coworking")
    # Correct the suggestion: untick Habitat, add Économie, confirm the row.
    row.get_by_label("Habitat (HAB)", exact=False).uncheck()
    row.get_by_label("Autre code pour « Tiers lieux à dominante coworking »").select_option("ECO")
    row.get_by_label("Confirmer « Tiers lieux à dominante coworking »").check()
    page.get_by_role("button", name="Enregistrer les règles confirmées").click()
    page.wait_for_load_state()
    assert "1 règle(s) enregistrée(s) ; le codage de 2 fiche(s)" in page.content()
    assert page.get_by_role("status").get_by_text("Terminée").count()
    assert page.locator("tbody tr", has_text="Tiers lieux à dominante coworking").count() == 0
    assert axe(page) == [], describe_violations(axe(page))
    ruche = ProjectPage.objects.get(title="La Ruche")
    assert {c.code for c in ruche.codes.all()} == {"EMP", "ECO"}
    # A record without keyword: its text suggested Insertion; confirmed in bulk too.
    assert page.get_by_role("heading", name="D'après le titre et la description").count()
    page.get_by_label("Confirmer « Insertion » (Annuaire inconnu)").check()
    page.get_by_role("button", name="Enregistrer les règles confirmées").click()
    page.wait_for_load_state()
    assert "0 règle(s) enregistrée(s) ; le codage de 1 fiche(s)" in page.content()
    assert page.get_by_label("Confirmer « Insertion » (Annuaire inconnu)").count() == 0
    chantier = ProjectPage.objects.get(title="Chantier Bois")
    assert "INS" in {c.code for c in chantier.codes.all()}
    assert axe(page) == [], describe_violations(axe(page))
    assert page.errors == []
