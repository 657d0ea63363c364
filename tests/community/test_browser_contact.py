"""Real-browser journey (issue 14, connections): member A writes to B, the holder of a real
harvested project, from its page; B answers in the site; A reads the answer; A opts in to be
found, and B sees A « Près de chez moi » on the account page. axe checks every new page, and no
page shows either e-mail address."""

import re

import pytest

from community.models import Conversation
from tests.browser import describe_violations
from tests.catalogue.factories import make_project

from .factories import UserFactory, approve
from .test_browser_holders import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

A_EMAIL = "alain.cache@exemple.org"
B_EMAIL = "beatrice.cachee@lacravatesolidaire.org"


def _no_address(tab):
    html = tab.content()
    assert A_EMAIL not in html and B_EMAIL not in html


def _clean(tab, axe):
    violations = axe(tab)
    assert violations == [], describe_violations(violations)
    _no_address(tab)


def _place(user, insee, name):
    user.profile.insee_code = insee
    user.profile.territory_name = name
    user.profile.save()


def test_contact_answer_and_find_each_other(page, browser, live_server, axe, settings):
    settings.MAP_TILE_URL = ""  # offline: the project page's map would only log tile errors
    from catalogue import services

    services.ensure_site_tree()
    project = make_project()
    a = UserFactory(email=A_EMAIL, display_name="Alain Curieux")
    b = UserFactory(email=B_EMAIL, display_name="Béatrice Porteuse")
    approve(b, project)
    _place(a, "75115", "Paris 15e Arrondissement")
    _place(b, "75113", "Paris 13e Arrondissement")

    context = browser.new_context(base_url=live_server.url, locale="fr-FR", bypass_csp=True)
    context.set_default_timeout(15_000)
    b_tab = context.new_page()
    try:
        # 1. A writes to the holder from the project page.
        log_in(page, A_EMAIL)
        page.goto(project.url)
        page.locator("summary", has_text="Écrire aux porteurs du projet").click()
        page.get_by_label("Objet").fill("Essaimer à Lyon ?")
        page.get_by_label("Votre message").fill("Bonjour, comment avez-vous trouvé vos locaux ?")
        _clean(page, axe)
        with page.expect_navigation():
            page.get_by_role("button", name="Envoyer le message").click()
        assert "transmis aux porteurs" in page.locator(".messages").inner_text()
        conversation = Conversation.objects.get()
        assert page.url.endswith(conversation.get_absolute_url())
        _clean(page, axe)

        # 2. B sees it in the site (account → messages) and answers there.
        log_in(b_tab, B_EMAIL)
        b_tab.goto("/compte/")
        b_tab.get_by_role("link", name="Voir mes messages").click()
        b_tab.wait_for_load_state()
        _clean(b_tab, axe)
        b_tab.get_by_role("link", name="Essaimer à Lyon ?").click()
        b_tab.wait_for_load_state()
        assert "comment avez-vous trouvé vos locaux" in b_tab.content()
        b_tab.get_by_label("Votre réponse").fill("Par la mairie du 13e : écrivez-leur de ma part.")
        with b_tab.expect_navigation():
            b_tab.get_by_role("button", name="Envoyer la réponse").click()
        _clean(b_tab, axe)

        # 3. A is notified and reads the answer.
        page.goto("/notifications/")
        assert "Message de Béatrice Porteuse" in page.content()
        page.goto(conversation.get_absolute_url())
        assert "Par la mairie du 13e" in page.content()
        _no_address(page)

        # 4. B does not see A near them until A opts in.
        b_tab.goto("/compte/")
        assert "Alain Curieux" not in b_tab.locator("[aria-labelledby=near-me]").inner_text()
        page.goto("/compte/profil/")
        page.get_by_label(re.compile("^Visible des membres proches")).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer").click()
        b_tab.goto("/compte/")
        near = b_tab.locator("[aria-labelledby=near-me]")
        assert "Alain Curieux" in near.inner_text()
        assert "La Cravate Solidaire" in near.inner_text()
        _clean(b_tab, axe)
        assert page.errors == []
    finally:
        context.close()
