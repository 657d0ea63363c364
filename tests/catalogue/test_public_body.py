"""What a French public body must publish: legal notice, accessibility statement, privacy
policy, linked from every page's footer; the sign-up form's privacy notice; no Gravatar."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches

from catalogue import services
from catalogue.models import ArticlePage, PublicBodySettings, StandardPage
from catalogue.records import ProjectRecord

pytestmark = pytest.mark.django_db

FOOTER_LABELS = (
    "Mentions légales",
    "Accessibilité : partiellement conforme",
    "Politique de confidentialité",
)


@pytest.fixture
def public_site(site_tree):
    services.ensure_public_body_pages(site_tree.home)
    partner = services.upsert_partner("APRILES", website="https://www.apriles.net/")
    record = ProjectRecord(
        title="Accorderie de Pau",
        source_id="1600",
        postal_code="64000",
        city="Pau",
        source_url="https://www.apriles.net/index.php?sobi2Id=1600",
        summary="Un projet référencé par Apriles.",
        codes=["COH"],
    )
    project = services.upsert_project(record, source_key="Apriles", partner=partner).page
    article = site_tree.news.add_child(instance=ArticlePage(title="Une actualité", slug="une"))
    article.save_revision().publish()
    about = site_tree.home.add_child(instance=StandardPage(title="À propos", slug="a-propos"))
    about.save_revision().publish()
    return {"project": project, "partner": partner, "article": article, "about": about}


def footer_links(html):
    footer = html[html.index('<footer class="site-footer">') :]
    return dict(
        (label, href)
        for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer)
        if label in FOOTER_LABELS
    )


def test_pages_are_created_once_and_edits_survive(site_tree):
    setting = services.ensure_public_body_pages(site_tree.home)
    pages = StandardPage.objects.filter(
        slug__in=["mentions-legales", "accessibilite", "politique-de-confidentialite"]
    )
    assert pages.count() == 3 and all(p.live for p in pages)
    declaration = setting.accessibility_page.specific
    text = str(declaration.body)
    # RGAA 4.1 statement: every section the model asks for, the recourse to the Défenseur.
    for section in (
        "État de conformité",
        "partiellement conforme",
        "Non-conformités",
        "Dérogations pour charge disproportionnée",
        "Contenus non soumis",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
        "Défenseur des droits",
    ):
        assert section in text, section
    privacy = str(setting.privacy_page.specific.body)
    for section in ("Base légale", "Durée de conservation", "Destinataires", "Vos droits", "CNIL"):
        assert section in privacy, section

    declaration.title = "Accessibilité du Carrefour"
    declaration.save_revision().publish()
    again = services.ensure_public_body_pages(site_tree.home)
    assert again.accessibility_page_id == declaration.pk
    assert StandardPage.objects.get(pk=declaration.pk).title == "Accessibilité du Carrefour"
    assert StandardPage.objects.filter(slug="accessibilite").count() == 1


def test_every_page_type_links_the_three_pages_in_its_footer(client, site_tree, public_site):
    urls = [
        "/",
        "/projets/",
        "/projets/guide/",
        public_site["project"].url,
        "/partenaires/",
        public_site["partner"].url,
        "/actualites/",
        public_site["article"].url,
        public_site["about"].url,
        "/carte/",
        "/statistiques/",
        "/api/",
        "/comptes/login/",
        "/comptes/signup/",
        "/espaces/",
    ]
    targets = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        links = footer_links(response.content.decode())
        assert set(links) == set(FOOTER_LABELS), (url, links)
        targets.update(links.values())
    missing = client.get("/cette-page-n-existe-pas/")
    assert missing.status_code == 404
    assert set(footer_links(missing.content.decode())) == set(FOOTER_LABELS)
    assert len(targets) == 3
    for target in targets:
        assert client.get(target).status_code == 200, target

    # The footer follows the setting: an audited site says so, a moved page keeps its link.
    setting = PublicBodySettings.for_site(site_tree.home.get_site())
    setting.accessibility_status = "total"
    setting.save()
    # Committed, the write bumps the page cache's content version; a test cannot commit.
    caches["pages"].clear()
    html = client.get("/").content.decode()
    assert "Accessibilité : totalement conforme" in html


def test_signup_form_has_a_privacy_notice_linking_the_policy(client, site_tree, public_site):
    html = client.get("/comptes/signup/").content.decode()
    notice = html[html.index('class="privacy-notice"') :]
    notice = notice[: notice.index("</p>")]
    assert "n'est jamais affichée" in notice
    assert 'href="/politique-de-confidentialite/"' in notice


def test_admin_loads_no_avatar_from_gravatar(client, site_tree):
    admin = get_user_model().objects.create_superuser("chef", "chef@exemple.org", "pw-123456")
    client.force_login(admin)
    for url in (
        "/admin/",
        f"/admin/pages/{site_tree.home.pk}/",
        "/admin/users/",
        "/admin/account/",
        f"/admin/pages/{site_tree.home.pk}/edit/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "gravatar" not in response.content.decode().lower(), url
