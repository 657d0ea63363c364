"""Accounts: sign-up with verification, honeypot, log-in by email, reset, rate limits,
profile (avatar, territory, interests), public profile, account page."""

import io
import os
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalogue.models import TaxonomyGroup
from community.models import Profile

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

SIGNUP = {
    "display_name": "Camille Durand",
    "email": "camille@exemple.org",
    "password1": "une-phrase-de-passe-42",
    "password2": "une-phrase-de-passe-42",
}


def confirmation_link(message):
    match = re.search(r"https?://[^\s]+/comptes/confirm-email/[^\s]+/", message.body)
    assert match, message.body
    return re.sub(r"^https?://[^/]+", "", match.group(0))


# --- sign-up --------------------------------------------------------------------------------


def test_signup_requires_email_verification_then_logs_in(client):
    response = client.post("/comptes/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="camille@exemple.org")
    assert user.profile.display_name == "Camille Durand"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["camille@exemple.org"]
    assert mail.outbox[0].subject.startswith("[Carrefour]")
    # Not verified yet: logging in is refused (mandatory verification).
    client.logout()
    response = client.post(
        "/comptes/login/", {"login": "camille@exemple.org", "password": SIGNUP["password1"]}
    )
    assert "_auth_user_id" not in client.session
    link = confirmation_link(mail.outbox[-1])
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_pages_are_french_and_labelled(client):
    html = client.get("/comptes/signup/").content.decode()
    assert "Inscription" in html
    assert '<label for="id_display_name">' in html and '<label for="id_email">' in html
    # The display-name help text is tied to its input.
    assert 'aria-describedby="id_display_name_helptext"' in html


def test_signup_errors_are_tied_to_fields(client):
    response = client.post("/comptes/signup/", {**SIGNUP, "password2": "autre-chose-99"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert re.search(r'aria-describedby="[^"]*id_password2_error', html), html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(email=SIGNUP["email"]).exists()


def test_signup_honeypot_rejects_bots_and_creates_nothing(client):
    response = client.post("/comptes/signup/", {**SIGNUP, "site_web": "http://spam.example"})
    assert response.status_code == 200
    assert "champ invisible" in response.content.decode()
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert mail.outbox == []


def test_honeypot_is_hidden_from_people(client):
    html = client.get("/comptes/signup/").content.decode()
    assert re.search(r'<div class="hp-field" aria-hidden="true">.*?tabindex="-1"', html, re.S)


def test_login_honeypot(client):
    user = UserFactory()
    response = client.post(
        "/comptes/login/", {"login": user.email, "password": PASSWORD, "site_web": "x"}
    )
    assert response.status_code == 200 and "champ invisible" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_honeypot_sends_nothing(client):
    user = UserFactory()
    client.post("/comptes/password/reset/", {"email": user.email, "site_web": "x"})
    assert mail.outbox == []
    client.post("/comptes/password/reset/", {"email": user.email})
    assert len(mail.outbox) == 1 and "/comptes/password/reset/key/" in mail.outbox[0].body


def test_login_by_email(client):
    user = UserFactory()
    response = client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_logins_are_rate_limited(client):
    user = UserFactory()
    for _ in range(5):
        response = client.post("/comptes/login/", {"login": user.email, "password": "mauvais"})
        assert "Trop de tentatives" not in response.content.decode()
    # Past allauth's login_failed limit (5 per 5 minutes per address), even the right password
    # is refused.
    response = client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert "Trop de tentatives de connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signups_are_rate_limited_per_ip(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    statuses = [
        client.post("/comptes/signup/", {**SIGNUP, "email": f"robot{i}@exemple.org"}).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert User.objects.count() == 2


def test_french_login_address_redirects(client):
    response = client.get("/comptes/connexion/?next=/compte/")
    assert response.status_code == 302 and response["Location"] == "/comptes/login/?next=/compte/"


def test_email_change_needs_verification(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/comptes/email/", {"action_add": "", "email": "nouvelle@exemple.org"})
    assert response.status_code == 302
    new = EmailAddress.objects.get(email="nouvelle@exemple.org")
    assert new.user == user and not new.verified
    assert mail.outbox and mail.outbox[-1].to == ["nouvelle@exemple.org"]


# --- profile ----------------------------------------------------------------------------------


def image_upload(size=(300, 200), fmt="JPEG", exif=True, name="photo.jpg"):
    image = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    kwargs = {}
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x010F] = "AppareilSecret"  # Make
        data[0x9286] = "GPS du domicile"  # UserComment
        kwargs["exif"] = data.tobytes()
    image.save(out, fmt, **kwargs)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def profile_post(client, **extra):
    data = {"display_name": "Camille D.", "bio": "", "organisation": "", "commune": ""}
    data.update(extra)
    return client.post("/compte/profil/", data)


def test_profile_edit_with_territory_interests_and_avatar(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory()
    client.force_login(user)
    interest = TaxonomyGroup.objects.first()
    response = profile_post(
        client,
        bio="J'anime un tiers-lieu.",
        organisation="La Ruche",
        commune="Lyon (69123)",
        interests=[interest.pk],
        avatar_upload=image_upload(),
    )
    assert response.status_code == 302, response.content.decode()
    profile = Profile.objects.get(user=user)
    assert (profile.insee_code, profile.territory_name) == ("69123", "Lyon")
    assert list(profile.interests.all()) == [interest]
    with Image.open(profile.avatar.path) as avatar:
        assert avatar.format == "JPEG" and avatar.size == (256, 256)
        assert not avatar.getexif()
    raw = open(profile.avatar.path, "rb").read()
    assert b"AppareilSecret" not in raw and b"GPS du domicile" not in raw
    assert "photo" not in profile.avatar.name


def test_profile_form_replaces_avatar_and_honours_commit(settings, tmp_path):
    from community.forms import ProfileForm

    settings.MEDIA_ROOT = tmp_path
    profile = UserFactory().profile
    data = {"display_name": "Camille D.", "bio": "", "organisation": "", "commune": "35238"}
    form = ProfileForm(data, {"avatar_upload": image_upload()}, instance=profile)
    assert form.is_valid(), form.errors
    form.save()
    first = Profile.objects.get(pk=profile.pk).avatar.path
    # commit=False writes nothing (neither the row nor the file) until the caller saves.
    profile = Profile.objects.get(pk=profile.pk)
    form = ProfileForm(
        {**data, "commune": "69123"}, {"avatar_upload": image_upload()}, instance=profile
    )
    assert form.is_valid(), form.errors
    unsaved = form.save(commit=False)
    stored = Profile.objects.get(pk=profile.pk)
    assert (stored.territory_name, stored.avatar.path) == ("Rennes", first)
    assert sorted(p.name for p in (tmp_path / "avatars").iterdir()) == [first.rsplit("/", 1)[1]]
    unsaved.save()
    form.save_m2m()
    stored = Profile.objects.get(pk=profile.pk)
    assert stored.territory_name == "Lyon" and stored.avatar.path != first
    assert os.path.exists(stored.avatar.path) and not os.path.exists(first)


def test_commune_by_insee_code_and_unknown_commune(client):
    user = UserFactory()
    client.force_login(user)
    assert profile_post(client, commune="35238").status_code == 302
    assert Profile.objects.get(user=user).territory_name == "Rennes"
    response = profile_post(client, commune="Zzyzxville")
    assert response.status_code == 200 and "Commune inconnue" in response.content.decode()


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("x.jpg", b"ceci n'est pas une image"), "pas une image lisible"),
        ("tiny", "entre 32 et 4000 pixels"),
        ("huge", "dépasse 2 Mo"),
        ("bmp", "Formats acceptés"),
    ],
)
def test_avatar_validation(client, settings, tmp_path, upload, message):
    settings.MEDIA_ROOT = tmp_path
    if upload == "tiny":
        upload = image_upload(size=(10, 10))
    elif upload == "huge":
        upload = SimpleUploadedFile("big.jpg", b"\xff" * (2 * 1024 * 1024 + 1))
    elif upload == "bmp":
        upload = image_upload(fmt="BMP", name="x.bmp")
    user = UserFactory()
    client.force_login(user)
    response = profile_post(client, avatar_upload=upload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Profile.objects.get(user=user).avatar


def test_commune_suggestions(client):
    data = client.get("/communes/suggestions/?q=Rennes").json()
    assert data["results"][0] == {
        "label": "Rennes (35238)",
        "insee": "35238",
        "department": "Ille-et-Vilaine",
    }


def test_public_profile_never_shows_email(client):
    user = UserFactory(display_name="Alix Martin")
    html = client.get(f"/membres/{user.profile.slug}/").content.decode()
    assert "Alix Martin" in html
    assert user.email not in html and user.username not in html


def test_profile_slug_does_not_carry_email():
    user = UserFactory(email="prenom.nom@exemple.org")
    assert "prenom" not in user.profile.slug


def test_account_page_requires_login(client):
    response = client.get("/compte/")
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")


def test_account_page_lists_spaces_and_includes(client, space_member, private_space):
    client.force_login(space_member)
    html = client.get("/compte/").content.decode()
    assert private_space.name in html
    assert "Mes projets" in html and "Mes suivis et notifications" in html
