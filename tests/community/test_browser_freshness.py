"""Real-browser journey: a holder says "toujours à jour" from the project page; an anonymous
visitor opens an archived project's address and gets its 410 page with similar projects."""

import pytest

from catalogue import archive, services
from tests.browser import describe_violations
from tests.catalogue.factories import ffe_record, make_project, other_record

from .factories import UserFactory, approve
from .test_browser_holders import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_holder_confirms_and_anonymous_sees_an_archived_page(
    page, browser, live_server, axe, settings
):
    settings.MAP_TILE_URL = ""  # offline: the project page's map would only log tile errors
    services.ensure_site_tree()
    project = make_project()
    holder = UserFactory(email="marie@lacravatesolidaire.org", display_name="Marie Porteuse")
    approve(holder, project)
    gone = make_project(ffe_record(title="Vestiaire solidaire", source_id="vestiaire"))
    neighbour = make_project(other_record(codes=["EMP"]))
    archive.archive([gone.pk])

    # 1. The holder clicks "Toujours à jour" on the page.
    log_in(page, holder.email)
    page.goto(project.url)
    assert "par la source ffe" in page.locator(".project__confirmed").inner_text()
    page.get_by_role("button", name="Toujours à jour").click()
    page.wait_for_load_state()
    assert "confirmée à jour" in page.locator(".messages").inner_text()
    assert "par le porteur du projet" in page.locator(".project__confirmed").inner_text()
    assert axe(page) == [], describe_violations(axe(page))

    # 2. An anonymous visitor opens the archived project's address: 410, similar projects.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="fr-FR")
    try:
        visitor = context.new_page()
        response = visitor.goto(gone.url)
        assert response.status == 410
        assert visitor.locator("h1").inner_text() == "Vestiaire solidaire"
        assert "archivée" in visitor.locator(".archived-page").inner_text()
        link = visitor.locator(f'.project__similar a[href="{neighbour.url}"]').first
        assert link.is_visible()
        assert axe(visitor) == [], describe_violations(axe(visitor))
        link.click()
        visitor.wait_for_load_state()
        assert visitor.url.endswith(neighbour.url)
    finally:
        context.close()
