"""Every public page type answers with the public Content-Security-Policy (no inline script)
and a Permissions-Policy; its HTML holds no inline executable script nor event handler. The
admins get their own policy. Production settings pass `check --deploy` (tests/test_settings)."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client

from catalogue import services
from catalogue.models import StandardPage
from catalogue.records import ProjectRecord
from community.services import ensure_profile
from tests.catalogue.factories import ArticlePageFactory, PartnerPageFactory
from tests.community.factories import SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


class ScriptAudit(HTMLParser):
    """Inline executable scripts and on* attributes found in a page."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not attrs.get("src"):
            if attrs.get("type") not in ("application/json", "application/ld+json"):
                self.problems.append(f"inline <script {attrs}>")


@pytest.fixture
def pages(db):
    tree = services.ensure_site_tree()
    partner = services.upsert_partner("APRILES", website="https://www.apriles.net/")
    record = ProjectRecord(
        title="Accorderie de Pau",
        source_id="1600",
        postal_code="64000",
        city="Pau",
        source_url="https://www.apriles.net/index.php?sobi2Id=1600",
        summary="Un réseau d'échange de services.",
        codes=["COH"],
    )
    project = services.upsert_project(record, source_key="Apriles", partner=partner).page
    article = ArticlePageFactory(parent=tree.news)
    partner_page = PartnerPageFactory(parent=tree.partners)
    standard = tree.home.add_child(instance=StandardPage(title="À propos", slug="a-propos"))
    member = UserFactory()
    ensure_profile(member, "Camille")
    space = SpaceFactory()
    return {
        "accueil": "/",
        "résultats": "/projets/?q=accorderie&domaine=habitat",
        "projet": project.url,
        "actualités": tree.news.url,
        "article": article.url,
        "partenaires": tree.partners.url,
        "partenaire": partner_page.url,
        "page": standard.url,
        "carte": "/carte/",
        "statistiques": "/statistiques/",
        "connexion": "/comptes/login/",
        "inscription": "/comptes/signup/",
        "espaces": "/espaces/",
        "espace": f"/espaces/{space.slug}/",
        "membre": f"/membres/{member.profile.slug}/",
        "introuvable": "/nulle-part/",
    }


def test_public_pages_carry_the_policy_and_no_inline_script(pages):
    client = Client()
    public = client.get("/")["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in public.split("; ") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, url, response.status_code)
        assert response["Content-Security-Policy"] == public, name
        assert "camera=()" in response["Permissions-Policy"], name
        audit = ScriptAudit()
        audit.feed(response.content.decode())
        assert audit.problems == [], (name, audit.problems)


def test_admin_pages_have_their_own_scoped_policy(pages):
    response = Client().get("/admin/login/")
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" in re.search(r"script-src[^;]*", policy).group(0)
    assert "frame-ancestors 'self'" in policy
    assert policy == Client().get("/django-admin/login/")["Content-Security-Policy"]
    assert settings.CSP_ADMIN_PREFIXES == ["/admin/", "/django-admin/"]
