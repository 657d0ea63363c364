"""The demo admin of `make run` logs in where the README and `make run` say it does."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_admin_logs_in_on_the_admin_and_on_the_site_form(client, capsys, project):
    call_command("create_demo_admin")
    out = capsys.readouterr().out
    # What `make run` prints: both ways in, with the e-mail address the site's form asks for.
    assert "user name admin, password carrefour-demo" in out
    assert "e-mail admin@carrefour.local, password carrefour-demo" in out

    response = client.post(
        "/comptes/login/",
        {"login": "admin@carrefour.local", "password": "carrefour-demo"},
        follow=True,
    )
    assert client.session.get("_auth_user_id"), response.content.decode()[:2000]
    # The log-in banner names the member by display name, never by the internal user name.
    banner = response.content.decode()
    assert "Connexion avec Équipe du Carrefour réussie" in banner
    assert "Connexion avec admin" not in banner

    # Named and labelled as staff wherever members see them: header, comments, profile.
    assert "Connecté·e&nbsp;: Équipe du Carrefour" in banner
    client.post(
        "/commentaires/publier/",
        {"target_type": "page", "target_id": project.pk, "body": "Bienvenue aux porteurs !"},
    )
    html = client.get(project.url).content.decode()
    comment = html[
        html.index("Bienvenue aux porteurs") - 2000 : html.index("Bienvenue aux porteurs")
    ]
    assert "Équipe du Carrefour</a>" in comment and "administration du site" in comment
    assert ">Membre<" not in comment
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    profile = client.get(admin.profile.get_absolute_url()).content.decode()
    assert "administration du site" in profile

    client.logout()
    response = client.post(
        "/admin/login/", {"username": "admin", "password": "carrefour-demo"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/"
    assert client.get("/admin/").status_code == 200

    # Idempotent: a second run keeps one verified primary address and the same display name.
    call_command("create_demo_admin")
    from allauth.account.models import EmailAddress

    assert list(EmailAddress.objects.values_list("email", "verified", "primary")) == [
        ("admin@carrefour.local", True, True)
    ]
