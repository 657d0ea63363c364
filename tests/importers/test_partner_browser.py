"""Real browser (issue 12, « Partners bring their own directory »): an editor grants the partner
role in the admin; the member proposes a CSV source pointing at a mock on 127.0.0.1 and sees the
preview; the editor reviews and enables it; a harvest runs; the partner sees the run and its
records' health on its dashboard. Axe finds no serious violation on the partner's screens."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group

from catalogue import services
from catalogue.editorial_roles import EDITORS
from importers.models import HarvestRun, PartnerRole, Source
from tests.browser import describe_violations
from tests.community.factories import PASSWORD, make_user

from .harvesting import manage
from .partner_fixtures import FIELDS, csv_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD_LABEL = re.compile(r"^Mot de passe\s*:?$")


def admin_log_in(tab, username):
    tab.goto("/admin/login/")
    tab.locator("#id_username").fill(username)
    tab.locator("#id_password").fill(PASSWORD)
    tab.locator("form button[type=submit]").first.click()
    tab.wait_for_load_state()


def site_log_in(tab, email):
    tab.goto("/comptes/login/")
    tab.get_by_label("E-mail").fill(email)
    tab.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    tab.get_by_role("button", name="Connexion").click()
    tab.wait_for_load_state()


def clean(tab, axe):
    violations = axe(tab)
    assert violations == [], describe_violations(violations)


def test_partner_brings_its_own_directory(page, axe, browser, live_server, local_site):
    services.ensure_site_tree()
    partner = services.upsert_partner("Réseau des tiers-lieux")
    editor = make_user("redactrice", "redactrice@carrefour.example", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    member = make_user("porte-parole", "porte-parole@example.org")
    csv_url = local_site.route("partner-journey/export.csv", csv_text(), content_type="text/csv")
    # A preview fetches the partner's file and normalises it in the request: on a loaded
    # machine that takes longer than the fixtures' 10 s default for a click's navigation.
    page.set_default_timeout(90_000)

    # The editor grants the role in the admin.
    admin = browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    admin.set_default_timeout(90_000)
    admin_log_in(admin, "redactrice")
    admin.goto("/admin/snippets/importers/partnerrole/add/")
    admin.locator("#id_user").select_option(label="porte-parole")
    admin.locator("#id_partner").select_option(label="Réseau des tiers-lieux")
    admin.get_by_role("button", name=re.compile("Enregistrer")).first.click()
    admin.wait_for_load_state()
    role = PartnerRole.objects.get()
    assert (role.user, role.partner, role.granted_by) == (member, partner, editor)

    # The member proposes a CSV source, previews it, then sends it.
    site_log_in(page, member.email)
    page.goto(f"/partenaires/{partner.slug}/sources/proposer/")
    clean(page, axe)
    page.get_by_label("Nom de la source").fill("Export des tiers-lieux")
    page.get_by_label("Type").select_option("csv")
    page.get_by_label("Adresse").fill(csv_url)
    page.get_by_label("Champs (configuration JSON)").fill(json.dumps({"fields": FIELDS}))
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.wait_for_load_state()
    items = page.locator("section.preview-item")
    assert items.count() >= 4, page.locator("main").inner_text()[:2000]
    assert "Atelier vélo solidaire" in items.first.inner_text()
    assert page.get_by_label("Adresse").input_value() == csv_url  # the form kept what was typed
    clean(page, axe)
    assert not Source.objects.exists()
    page.get_by_role("button", name="Proposer la source").click()
    page.wait_for_load_state()
    assert "en attente de la rédaction" in page.locator("main").inner_text()
    source = Source.objects.get()
    assert not source.enabled

    # The editor reviews it (configuration and preview) and enables it.
    admin.goto("/admin/collecte/propositions/")
    admin.get_by_role("link", name="Export des tiers-lieux").click()
    admin.wait_for_load_state()
    assert "partner-journey/export.csv" in admin.locator("pre").inner_text()
    assert admin.locator("section.preview-item").count() >= 4
    admin.get_by_role("button", name="Activer la source").click()
    admin.wait_for_load_state()
    source.refresh_from_db()
    assert source.enabled and source.proposal_status == "accepted"

    # A harvest runs (as the schedule would: a subprocess on the same database).
    proc = manage("harvest", source.name, "--no-progress")
    run = HarvestRun.objects.filter(source=source).order_by("-pk").first()
    assert run is not None, proc.stderr[-2000:]
    assert (run.created, run.invalid) == (4, 1), proc.stderr[-2000:]

    # The partner sees the run and its records' health.
    page.goto(f"/partenaires/{partner.slug}/tableau-de-bord/")
    runs = page.locator("tr.partner-run")
    assert runs.count() == 1
    assert run.get_status_display() in runs.first.inner_text()
    assert page.locator("#sante-refusees strong").inner_text() == "1"
    assert page.locator("#sante-sans-commune strong").inner_text() == "1"
    clean(page, axe)
    page.locator("#sante-sans-commune a").click()
    page.wait_for_load_state()
    assert "Repair café nomade" in page.locator("main").inner_text()
    clean(page, axe)
    assert page.errors == []
    admin.context.close()
