"""Real browser: an editor types a new JSON source's configuration in the admin and previews
it before saving: per item, the raw and the normalised values side by side, each record under
its own item, readable on a phone, axe clean, nothing saved (issue 12)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from importers.models import Source
from tests.browser import describe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

API = {
    "results": [
        {"id": 1, "name": "Atelier vélo", "date": "03/02/2019", "text": "Réparer.\n\nPrêter."},
        {"id": 2, "name": "Jardin partagé", "date": "12/05/2020",
         "text": "Un jardin " + "très " * 60 + "ouvert.", "url": "x" * 300},
        {"id": 3, "name": "Repair café", "date": "2021"},
    ]
}  # fmt: skip


def test_preview_of_the_configuration_being_typed(page, axe, local_site):
    get_user_model().objects.create_superuser("editrice", "e@example.org", "mot-de-passe-1")
    url = local_site.route(
        "browser-preview/api.json", json.dumps(API), content_type="application/json"
    )
    config = {
        "url": url,
        "items_path": "results",
        "fields": {"id": "id", "titre": "name", "date de création": "date",
                   "description": "text", "adresse": "url"},
        "transforms": {"date de création": [{"date": ["%d/%m/%Y", "%Y"]}]},
    }  # fmt: skip
    page.goto("/admin/login/")
    page.locator("#id_username").fill("editrice")
    page.locator("#id_password").fill("mot-de-passe-1")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto("/admin/snippets/importers/source/add/")
    page.locator("#id_name").fill("API des ateliers")
    page.locator("#id_kind").select_option("json")
    page.locator("#id_config").fill(json.dumps(config, ensure_ascii=False))
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Aperçu de la configuration saisie").click()
    tab = opened.value
    tab.wait_for_load_state()
    assert "Aperçu de la configuration saisie" in tab.title()
    items = tab.locator("section.preview-item")
    assert items.count() == 3, tab.locator("body").inner_text()[:3000]
    for number, record in enumerate(API["results"], start=1):
        item = items.nth(number - 1)
        assert item.locator("h3").inner_text().startswith(f"Élément {number}")
        normalised = item.locator(".preview-record").inner_text()
        assert record["name"] in normalised  # each record under its own item
        raw = item.locator("table").inner_text()
        assert record["date"] in raw  # the value as extracted ...
    second = items.nth(1).locator("table").inner_text()
    assert "2020-05-12" in second  # ... and after the transforms
    assert "2019" in items.nth(0).locator(".preview-record").inner_text()
    violations = axe(tab)
    assert violations == [], describe_violations(violations)
    tab.set_viewport_size({"width": 375, "height": 800})
    overflow = tab.evaluate(
        "() => document.querySelector('main, #main, body').scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, f"the preview runs {overflow}px off a phone's screen"
    assert axe(tab) == []
    assert not Source.objects.exists()  # nothing saved

    # A broken configuration says so, in the preview, still saving nothing.
    page.locator("#id_config").fill('{"url": ')
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Aperçu de la configuration saisie").click()
    broken = opened.value
    broken.wait_for_load_state()
    assert "JSON invalide" in broken.locator("[role=alert]").inner_text()
    assert not Source.objects.exists()
