"""In a real browser: Wagtail's editor and the holder's rich-text form, saved unchanged, change
nothing (real sample records, the comma-keyword ones included); a holder's line breaks, lists,
links and subheadings reach a page that Wagtail's editor opens and saves back unchanged."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from catalogue import services
from catalogue.models import ProjectPage
from importers.normalise.csv_sources import read_apriles_export, read_ffe_laureates
from tests.browser import describe_violations
from tests.community.factories import PASSWORD, approve, make_user
from tests.community.test_browser_holders import admin_log_in, editor_tab, log_in  # noqa: F401
from tests.importers.test_csv_sources import APRILES, FFE
from tests.test_round_trip import differences, page_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

JOINED = {"Emploi, Formation", "Culture, Sport", "Gouvernance, partenariats institutionnels"}


def _sample_pages():
    """Two FFE laureates (one without description) and three Apriles records whose source
    joined keywords with commas."""
    services.ensure_site_tree()
    ffe = list(read_ffe_laureates(FFE))
    chosen = [ffe[0]] + [r for r in ffe if not r.description][:1]
    chosen += [r for r in read_apriles_export(APRILES) if set(r.raw_tags) & JOINED][:3]
    return [services.upsert_project(r, source_key="sample").page for r in chosen]


def _publish_in_admin(tab, pk):
    tab.goto(f"/admin/pages/{pk}/edit/")
    tab.locator(".Draftail-Editor").first.wait_for()
    tab.locator("[data-controller='w-tag'], .tagit").first.wait_for(state="attached")
    tab.locator("[data-w-dropdown-target='toggle']").last.click()  # the footer's actions menu
    tab.locator("button[name='action-publish']").click()
    tab.wait_for_url(lambda url: f"/pages/{pk}/edit/" not in url)


def test_editor_and_holder_forms_round_trip(page, editor_tab, axe, settings):  # noqa: F811
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = True
    pages = _sample_pages()
    get_user_model().objects.create_superuser("redaction", "redaction@carrefour.example", PASSWORD)

    # 1. Wagtail's editor, in the browser (Draftail, the tag field's script, the map widget).
    admin_log_in(editor_tab, "redaction")
    for project in pages:
        before = page_state(project.pk)
        revisions = project.revisions.count()
        _publish_in_admin(editor_tab, project.pk)
        assert ProjectPage.objects.get(pk=project.pk).revisions.count() == revisions + 1
        assert differences(before, page_state(project.pk)) == {}, project.title
    split = ProjectPage.objects.get(pk=pages[-1].pk)
    assert not [n for n in split.tags.names() if "," in n]

    # 2. The holder's form: a rich-text editor, help text as words, saved unchanged = no change.
    project = pages[2]
    holder = make_user("porteuse", "porteuse@example.org")
    approve(holder, project)
    log_in(page, holder.email)
    url = reverse("community:holder_edit", args=[project.pk])
    page.goto(url)
    editor = page.get_by_role("textbox", name="Description")
    editor.wait_for()
    help_text = page.locator("#id_description_helptext")
    assert "<" not in help_text.inner_text() and help_text.locator("strong, em").count() == 0
    assert page.locator("form strong, form em, form h3").count() == 0  # nothing turns bold
    assert page.locator("textarea[name=description]").is_hidden()
    assert axe(page) == [], describe_violations(axe(page))
    before = page_state(project.pk)
    page.get_by_role("button", name="Publier les modifications").click()
    page.wait_for_load_state()
    assert "Aucune modification" in page.locator(".messages").inner_text()
    assert differences(before, page_state(project.pk)) == {}

    # 3. The holder writes with the keyboard and the toolbar.
    page.goto(url)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("Premier paragraphe")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("ligne deux")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Intertitre").click()
    page.keyboard.type("Un intertitre")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Liste à puces").click()
    assert page.get_by_role("button", name="Liste à puces").get_attribute("aria-pressed") == "true"
    page.keyboard.type("un")
    page.keyboard.press("Enter")
    page.keyboard.type("deux")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list
    page.keyboard.press("Control+B")
    page.keyboard.type("Gras")
    page.keyboard.press("Control+B")
    page.keyboard.type(" puis ")
    page.once("dialog", lambda dialog: dialog.accept("https://exemple.org/page"))
    page.get_by_role("button", name="Lien").click()
    page.get_by_role("button", name="Publier les modifications").click()
    page.wait_for_load_state()
    assert "publiées" in page.locator(".messages").inner_text()
    stored = ProjectPage.objects.get(pk=project.pk).description
    for part in ("Premier paragraphe<br/>ligne deux", "<h3 ", "Un intertitre", "<ul>",
                 ">un</li>", ">deux</li>", "<b>Gras</b>", '<a href="https://exemple.org/page"'):
        assert part in stored, (part, stored)
    assert page.errors == []

    # 4. Wagtail's editor opens it (it answered 500 on a holder's line break) and saves it back.
    response = editor_tab.goto(f"/admin/pages/{project.pk}/edit/")
    assert response.status == 200
    before = page_state(project.pk)
    _publish_in_admin(editor_tab, project.pk)
    assert differences(before, page_state(project.pk)) == {}

    # 5. And the holder's form, opened again and saved unchanged, still changes nothing.
    page.goto(url)
    editor.wait_for()
    assert "ligne deux" in editor.inner_text()
    page.get_by_role("button", name="Publier les modifications").click()
    page.wait_for_load_state()
    assert "Aucune modification" in page.locator(".messages").inner_text()
    assert differences(before, page_state(project.pk)) == {}
