"""Log-in throttling on every log-in form (Wagtail admin, Django admin, allauth) and on the
admin's password reset: per account whatever name it is given, and per client IP."""

import pytest
from django.core import mail

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REFUSED = "Trop de tentatives de connexion échouées"


@pytest.fixture
def editor():
    return UserFactory(username="redaction", is_staff=True, is_superuser=True)


def admin_login(client, username, password, ip="203.0.113.7"):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_admin_login_is_throttled_per_account_across_forms(client, editor):
    for _ in range(5):
        response = admin_login(client, "redaction", "mauvais")
        assert response.status_code == 200 and REFUSED not in response.content.decode()
    # The right password is refused now, with a clear French message, from another address
    # too (the account's own allowance is spent) ...
    response = admin_login(client, "redaction", PASSWORD, ip="198.51.100.9")
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # ... through the members' form, the account named by its e-mail address ...
    response = client.post("/comptes/login/", {"login": editor.email, "password": PASSWORD})
    assert REFUSED in response.content.decode() and "_auth_user_id" not in client.session
    # ... and through Django's admin, named in capitals.
    response = client.post("/django-admin/login/", {"username": "REDACTION", "password": PASSWORD})
    assert REFUSED in response.content.decode() and "_auth_user_id" not in client.session


def test_right_passwords_do_not_count_and_other_accounts_are_unaffected(client, editor):
    other = UserFactory(username="autre", is_staff=True)
    for _ in range(8):
        assert admin_login(client, "redaction", PASSWORD).status_code == 302
        client.logout()
    for _ in range(5):
        admin_login(client, "redaction", "mauvais")
    response = admin_login(client, "autre", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_admin_login_is_throttled_per_ip(client, editor):
    # Ten failures on ten different (unknown) accounts from one address ...
    for n in range(10):
        response = admin_login(client, f"inconnu{n}", "mauvais")
        assert REFUSED not in response.content.decode()
    # ... and that address may not even try the right password of an untouched account;
    response = admin_login(client, "redaction", PASSWORD)
    assert REFUSED in response.content.decode() and "_auth_user_id" not in client.session
    # another address may.
    assert admin_login(client, "redaction", PASSWORD, ip="198.51.100.9").status_code == 302


def test_admin_password_reset_is_throttled(client, editor):
    statuses = []
    for _ in range(7):
        response = client.post("/admin/password_reset/", {"email": editor.email.upper()})
        statuses.append(response.status_code)
    assert statuses == [302] * 5 + [200] * 2
    assert "Trop de demandes de réinitialisation" in response.content.decode()
    assert len(mail.outbox) == 5
    # The members' reset form shares the allowance: a sixth e-mail is refused there too.
    response = client.post("/comptes/password/reset/", {"email": editor.email})
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert len(mail.outbox) == 5
