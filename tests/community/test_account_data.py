"""Personal data: the JSON export holds everything about the member; deleting the account
leaves comments as "compte supprimé" and nothing else of the person, in any table."""

import io
import json
import os

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from PIL import Image

from catalogue.models import TaxonomyGroup
from community import services
from community.models import Comment, Discussion, Membership, Profile

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def avatar_file():
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 60)).save(out, "PNG")
    return SimpleUploadedFile("moi.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def rich_member(client, settings, tmp_path, project, public_space, private_space, moderator):
    """A member who has done a bit of everything."""
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory(email="sacha.unique@exemple.org", display_name="Sacha Unique")
    EmailAddress.objects.create(user=user, email="sacha.pro@exemple.org", verified=False)
    SocialAccount.objects.create(user=user, provider="github", uid="sacha-gh-uid")
    client.force_login(user)
    response = client.post(
        "/compte/profil/",
        {
            "display_name": "Sacha Unique",
            "bio": "Bio de Sacha",
            "organisation": "Asso de Sacha",
            "commune": "35238",
            "interests": [TaxonomyGroup.objects.first().pk],
            "avatar_upload": avatar_file(),
        },
    )
    assert response.status_code == 302
    services.join_public_space(user, public_space)
    own = services.create_space(
        user, name="Espace de Sacha", themes=[TaxonomyGroup.objects.first()]
    )
    services.join_public_space(moderator, own)
    services.create_invitation(user, own)
    invitation = services.create_invitation(moderator, private_space, requires_approval=True)
    services.accept_invitation(user, invitation, message="Message de Sacha")
    discussion = services.start_discussion(user, public_space, title="Sujet de Sacha", body="Corps")
    services.post_comment(user, project, "Commentaire de Sacha sur le projet")
    services.post_comment(user, discussion, "Réponse de Sacha")
    theirs = services.post_comment(moderator, project, "Commentaire d'autrui")
    services.report_comment(user, theirs, "other", "Signalement de Sacha")
    mine = Comment.objects.get(body="Réponse de Sacha")
    services.report_comment(moderator, mine, "spam")
    user.refresh_from_db()
    return user


def test_export_contains_everything_about_the_member(client, rich_member, private_space):
    response = client.post("/compte/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert {e["email"] for e in data["email_addresses"]} == {
        "sacha.unique@exemple.org",
        "sacha.pro@exemple.org",
    }
    assert data["social_accounts"][0]["uid"] == "sacha-gh-uid"
    profile = data["profile"]
    assert profile["display_name"] == "Sacha Unique" and profile["bio"] == "Bio de Sacha"
    assert profile["organisation"] == "Asso de Sacha"
    assert profile["territory"] == {"insee_code": "35238", "name": "Rennes"}
    assert profile["avatar"].startswith("/media/avatars/")
    assert {m["space"] for m in data["memberships"]} == {
        "Alimentation durable en Bretagne",
        "Espace de Sacha",
    }
    # A pending request to a private space: the member's own message, not the space's name.
    assert data["join_requests"] == [
        {
            "space": None,
            "message": "Message de Sacha",
            "status": "pending",
            "created_at": data["join_requests"][0]["created_at"],
        }
    ]
    assert private_space.name not in response.content.decode()
    assert {c["body"] for c in data["comments"]} == {
        "Commentaire de Sacha sur le projet",
        "Réponse de Sacha",
    }
    assert data["discussions"][0]["title"] == "Sujet de Sacha"
    assert data["reports"][0]["message"] == "Signalement de Sacha"
    assert {a["verb"] for a in data["activity"]} >= {
        "space_created",
        "joined",
        "discussion_started",
        "commented",
    }


def test_export_needs_login_and_post(client, member):
    assert client.post("/compte/export/").status_code == 302
    client.force_login(member)
    assert client.get("/compte/export/").status_code == 405


def test_delete_needs_the_password(client, rich_member):
    response = client.post("/compte/supprimer/", {"password": "mauvais"})
    assert response.status_code == 200 and "Mot de passe incorrect" in response.content.decode()
    assert User.objects.filter(pk=rich_member.pk).exists()


def test_delete_without_password_needs_the_word(client):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    client.post("/compte/supprimer/", {"confirmation": "non"})
    assert User.objects.filter(pk=user.pk).exists()
    client.post("/compte/supprimer/", {"confirmation": "supprimer"})
    assert not User.objects.filter(pk=user.pk).exists()


def user_references(pk):
    """Rows in any table pointing at the user (FK, one-to-one, M2M through tables)."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey | models.OneToOneField)
                and field.related_model is User
            ):
                count = model._default_manager.filter(**{field.name: pk}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


def rows_mentioning(*needles):
    """Rows in any table whose text columns contain one of `needles`."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        text_fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField) and f.concrete
        ]
        for needle in needles:
            query = models.Q()
            for name in text_fields:
                query |= models.Q(**{f"{name}__icontains": needle})
            if text_fields and model._default_manager.filter(query).exists():
                found.setdefault(model._meta.label, []).append(needle)
    return found


def test_delete_account_leaves_nothing_personal(
    client, rich_member, public_space, moderator, django_capture_on_commit_callbacks
):
    pk = rich_member.pk
    avatar_path = rich_member.profile.avatar.path
    username = rich_member.username
    assert user_references(pk)  # the fixture really touches many tables
    other_session = type(client)()
    other_session.force_login(rich_member)  # a second device
    own = Membership.objects.get(user=rich_member, space__name="Espace de Sacha").space

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/supprimer/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    assert user_references(pk) == {}
    assert (
        rows_mentioning(
            "sacha.unique@exemple.org",
            "sacha.pro@exemple.org",
            "Sacha Unique",
            "Bio de Sacha",
            "Asso de Sacha",
            "sacha-gh-uid",
            "Message de Sacha",
            "Signalement de Sacha",
            username,
        )
        == {}
    )
    assert not Profile.objects.filter(display_name="Sacha Unique").exists()

    assert not os.path.exists(avatar_path)
    # Logged out everywhere: no session of the user survives.
    for session in Session.objects.all():
        assert session.get_decoded().get("_auth_user_id") != str(pk)
    assert other_session.get("/compte/").status_code == 302

    # Comments and discussions stay, signed "compte supprimé".
    kept = Comment.objects.filter(
        body__in=["Commentaire de Sacha sur le projet", "Réponse de Sacha"]
    )
    assert kept.count() == 2 and all(c.author_id is None for c in kept)
    assert Discussion.objects.get(title="Sujet de Sacha").author_id is None
    html = client.get(Discussion.objects.get(title="Sujet de Sacha").get_absolute_url()).content
    assert "compte supprimé" in html.decode() and "Sacha Unique" not in html.decode()
    # The space the member moderated has a moderator again.
    assert Membership.objects.get(space=own, user=moderator).is_moderator


def test_delete_account_service_signal(member):
    seen = []

    def receiver(sender, user, **kwargs):
        seen.append(user.pk)

    services.account_deleting.connect(receiver)
    try:
        pk = member.pk
        services.delete_account(member)
    finally:
        services.account_deleting.disconnect(receiver)
    assert seen == [pk]
