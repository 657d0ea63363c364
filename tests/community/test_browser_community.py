"""Real-browser journeys: sign up and verify by the emailed link; join a private space by a
request link approved by its moderator; start a discussion and get a reply."""

import re

import pytest
from django.core import mail

from community import services
from community.models import Discussion, JoinRequest, Membership
from tests.browser import describe_violations

from .factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


PASSWORD_LABEL = re.compile(r"^Mot de passe\s*:?$")


def log_in(page, email):
    page.goto("/comptes/login/?next=/compte/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Connexion").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Mon compte"


def test_sign_up_and_verify_by_the_emailed_link(page, axe, site_tree):
    page.goto("/comptes/signup/")
    assert axe(page) == [], describe_violations(axe(page))
    # A bot-only field is present but out of reach.
    assert page.locator("#id_site_web").get_attribute("tabindex") == "-1"
    page.get_by_label("Nom affiché").fill("Nour Benali")
    page.get_by_label("E-mail").fill("nour@exemple.org")
    page.get_by_label(PASSWORD_LABEL).fill("une-phrase-de-passe-42")
    page.get_by_label("Mot de passe (confirmation)").fill("une-phrase-de-passe-42")
    with page.expect_navigation():
        page.get_by_role("button", name="S’inscrire".replace("’", "'")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre adresse e-mail"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/comptes/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer").click()
    assert "Connecté·e" in page.locator(".account-links").inner_text()
    assert "Nour Benali" in page.locator(".account-links").inner_text()
    for path, title in (
        ("/compte/", "Mon compte"),
        ("/compte/profil/", "Modifier mon profil"),
        ("/espaces/", "Espaces communautaires"),
        ("/espaces/nouveau/", "Créer un espace"),
    ):
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text() == title
        violations = axe(page)
        assert violations == [], f"{path}\n{describe_violations(violations)}"
    # The commune field suggests communes from the gazetteer as one types.
    page.goto("/compte/profil/")
    page.get_by_label("Commune").press_sequentially("Renne", delay=30)
    page.wait_for_function(
        "() => [...document.querySelectorAll('datalist option')].some(o => o.value === 'Rennes (35238)')"
    )
    assert page.errors == []


def test_signup_errors_get_focus(page):
    page.goto("/comptes/signup/")
    page.get_by_label("Nom affiché").fill("Nour")
    page.get_by_label("E-mail").fill("nour@exemple.org")
    page.get_by_label(PASSWORD_LABEL).fill("une-phrase-de-passe-42")
    page.get_by_label("Mot de passe (confirmation)").fill("autre-chose-0000")
    with page.expect_navigation():
        page.get_by_role("button", name="S’inscrire".replace("’", "'")).click()
    focused = page.evaluate("() => document.activeElement.getAttribute('role')")
    assert focused == "alert"
    described = page.get_by_label("Mot de passe (confirmation)").get_attribute("aria-describedby")
    assert "id_password2_error" in described
    assert page.locator("#id_password2_error").is_visible()


def test_join_private_space_by_request_discuss_and_reply(browser, live_server, axe):
    moderator = UserFactory(display_name="Mo Dératrice")
    member = UserFactory(display_name="Jo Membre")
    space = services.create_space(
        moderator, name="Épiceries solidaires du Nord", visibility="private", insee_code="59350"
    )

    def new_tab():
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        context.set_default_timeout(10_000)
        return context.new_page()

    mod_page, member_page = new_tab(), new_tab()
    try:
        # The member cannot see the space yet: 404 and no name.
        log_in(member_page, member.email)
        response = member_page.goto(space.get_absolute_url())
        assert response.status == 404 and space.name not in member_page.content()

        # The moderator creates a request link.
        log_in(mod_page, moderator.email)
        mod_page.goto(f"/espaces/{space.slug}/invitations/")
        with mod_page.expect_navigation():
            mod_page.get_by_role("button", name="Créer un lien sur demande").click()
        link = mod_page.get_by_label(re.compile("Lien sur demande")).input_value()
        assert axe(mod_page) == [], describe_violations(axe(mod_page))

        # The member follows it and asks to join.
        member_page.goto(re.sub(r"^https?://[^/]+", "", link))
        member_page.get_by_label("Message aux modérateurs (facultatif)").fill(
            "Je tiens une épicerie à Lille."
        )
        with member_page.expect_navigation():
            member_page.get_by_role("button", name="Demander à rejoindre").click()
        assert JoinRequest.objects.filter(space=space, user=member, status="pending").exists()

        # The moderator approves.
        mod_page.goto(f"/espaces/{space.slug}/demandes/")
        assert "Je tiens une épicerie à Lille." in mod_page.content()
        with mod_page.expect_navigation():
            mod_page.get_by_role("button", name=re.compile("Accepter")).click()
        assert Membership.objects.filter(space=space, user=member).exists()

        # The member starts a discussion.
        member_page.goto(space.get_absolute_url())
        assert member_page.get_by_role("heading", level=1).inner_text() == space.name
        assert axe(member_page) == [], describe_violations(axe(member_page))
        member_page.get_by_role("link", name="Nouvelle discussion").click()
        member_page.get_by_label("Titre").fill("Mutualiser les livraisons")
        member_page.get_by_label("Message").fill(
            "Qui livre le mardi ? Voir https://exemple.org/tournees"
        )
        with member_page.expect_navigation():
            member_page.get_by_role("button", name="Publier la discussion").click()
        discussion = Discussion.objects.get(title="Mutualiser les livraisons")
        link = member_page.get_by_role("link", name="https://exemple.org/tournees")
        assert link.get_attribute("rel") == "nofollow ugc noopener"

        # The moderator replies from the discussion page; the member replies to the reply.
        mod_page.goto(discussion.get_absolute_url())
        mod_page.get_by_label("Votre commentaire").fill("Moi, avec la camionnette.")
        with mod_page.expect_navigation():
            mod_page.get_by_role("button", name="Répondre").click()
        reply = mod_page.locator("article.comment__body").filter(has_text="avec la camionnette")
        assert reply.evaluate("e => document.activeElement === e")  # focus lands on it
        member_page.goto(discussion.get_absolute_url())
        member_page.locator("summary").filter(has_text="Répondre").click()
        box = member_page.get_by_label("Votre réponse")
        assert box.evaluate("e => document.activeElement === e")
        box.fill("Parfait, merci !")
        with member_page.expect_navigation():
            member_page.get_by_role("button", name="Publier la réponse").click()
        thread = member_page.locator(".comment-list--replies")
        assert "Parfait, merci !" in thread.inner_text()
        assert axe(member_page) == [], describe_violations(axe(member_page))
        assert discussion.comments.count() == 2
    finally:
        mod_page.context.close()
        member_page.context.close()
