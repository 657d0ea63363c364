"""Spaces: every permission rule per role, private content never leaking, ways in."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from community import services
from community.models import (
    Activity,
    Discussion,
    Invitation,
    JoinRequest,
    Membership,
    Notification,
    Space,
)

from .factories import DiscussionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "non_member", "member", "moderator", "editor"]


@pytest.fixture
def people(moderator, space_member, editor):
    return {
        "anonymous": None,
        "non_member": UserFactory(),
        "member": space_member,
        "moderator": moderator,
        "editor": editor,
    }


def login_as(client, people, role):
    if people[role] is not None:
        client.force_login(people[role])
    return people[role]


def url(space, suffix=""):
    return f"/espaces/{space.slug}/{suffix}"


# --- reading ------------------------------------------------------------------------------------

PRIVATE_READ = {"anonymous": 404, "non_member": 404, "member": 200, "moderator": 200, "editor": 404}


@pytest.mark.parametrize("role", ROLES)
def test_private_space_page_is_members_only(client, people, private_space, role):
    login_as(client, people, role)
    discussion = DiscussionFactory(space=private_space)
    for path in (url(private_space), discussion.get_absolute_url()):
        response = client.get(path)
        assert response.status_code == PRIVATE_READ[role], (path, role)
        if response.status_code == 404:
            html = response.content.decode()
            assert private_space.name not in html and discussion.title not in html


@pytest.mark.parametrize("role", ROLES)
def test_public_space_is_readable_by_all(client, people, public_space, role):
    login_as(client, people, role)
    discussion = DiscussionFactory(space=public_space)
    assert client.get(url(public_space)).status_code == 200
    response = client.get(discussion.get_absolute_url())
    assert response.status_code == 200 and discussion.title in response.content.decode()


MODERATOR_TOOLS = ["modifier/", "demandes/", "invitations/", "projets/", "moderation/"]
PRIVATE_TOOLS = {
    "anonymous": 302,
    "non_member": 404,
    "member": 403,
    "moderator": 200,
    "editor": 404,
}
PUBLIC_TOOLS = {"anonymous": 302, "non_member": 403, "member": 403, "moderator": 200, "editor": 403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("tool", MODERATOR_TOOLS)
def test_moderator_tools_get(client, people, private_space, public_space, role, tool):
    login_as(client, people, role)
    assert client.get(url(private_space, tool)).status_code == PRIVATE_TOOLS[role]
    assert client.get(url(public_space, tool)).status_code == PUBLIC_TOOLS[role]


def moderator_posts(space, people):
    target = MembershipFactory(space=space)
    request = JoinRequest.objects.create(space=space, user=UserFactory())
    invitation = Invitation.objects.create(space=space, created_by=people["moderator"])
    discussion = DiscussionFactory(space=space)
    return [
        ("modifier/", {"name": "Piraté", "visibility": "public", "commune": "35238"}),
        ("demandes/", {"request": request.pk, "action": "approve"}),
        ("invitations/", {"kind": "direct"}),
        ("invitations/", {"action": "revoke", "invitation": invitation.pk}),
        ("membres/", {"membership": target.pk, "action": "promote"}),
        ("membres/", {"membership": target.pk, "action": "remove"}),
        (f"discussions/{discussion.pk}/options/", {"option": "lock"}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_moderator_posts_are_refused_to_others(client, people, private_space, public_space, role):
    """Every moderator form post: only the space's moderators get through."""
    login_as(client, people, role)
    for space, expected in ((private_space, PRIVATE_TOOLS), (public_space, PUBLIC_TOOLS)):
        name = space.name
        for suffix, data in moderator_posts(space, people):
            response = client.post(url(space, suffix), data)
            code = expected[role]
            if code == 200:
                assert response.status_code == 302, (suffix, role)
            else:
                assert response.status_code == code, (space.visibility, suffix, role)
        space.refresh_from_db()
        if role != "moderator":
            assert space.name == name
            assert not Discussion.objects.filter(space=space, locked=True).exists()
            assert not Invitation.objects.filter(space=space, revoked_at__isnull=False).exists()
            assert not JoinRequest.objects.filter(space=space, status="approved").exists()


def test_space_directory_hides_private_spaces_from_non_members(
    client, public_space, private_space, space_member
):
    html = client.get("/espaces/").content.decode()
    assert public_space.name in html and private_space.name not in html
    client.force_login(UserFactory())
    html = client.get("/espaces/").content.decode()
    assert private_space.name not in html
    client.force_login(space_member)
    html = client.get("/espaces/").content.decode()
    assert private_space.name in html
    html = client.get("/espaces/?q=secret").content.decode()
    assert private_space.name in html and public_space.name not in html


def test_profile_lists_private_spaces_only_to_fellow_members(client, space_member, private_space):
    profile_url = space_member.profile.get_absolute_url()
    assert private_space.name not in client.get(profile_url).content.decode()
    client.force_login(UserFactory())
    assert private_space.name not in client.get(profile_url).content.decode()
    client.force_login(private_space.created_by)
    assert private_space.name in client.get(profile_url).content.decode()


def test_activity_of_private_spaces_is_members_only(private_space, public_space, space_member):
    DiscussionFactory(space=private_space)
    services.start_discussion(space_member, private_space, title="Réunion", body="Jeudi ?")
    services.start_discussion(space_member, public_space, title="Ouvert", body="Bienvenue")
    outsider = UserFactory()
    from django.contrib.auth.models import AnonymousUser

    for viewer in (AnonymousUser(), outsider):
        spaces = set(Activity.objects.visible_to(viewer).values_list("space_id", flat=True))
        assert private_space.pk not in spaces and public_space.pk in spaces
    spaces = set(Activity.objects.visible_to(space_member).values_list("space_id", flat=True))
    assert private_space.pk in spaces


# --- creating and joining -----------------------------------------------------------------------


def test_verified_member_creates_space_and_moderates_it(client):
    user = UserFactory()
    client.force_login(user)
    from catalogue.models import TaxonomyGroup

    theme = TaxonomyGroup.objects.first()
    response = client.post(
        "/espaces/nouveau/",
        {
            "name": "Habitat partagé à Rennes",
            "description": "Échanges entre habitats participatifs.",
            "visibility": "private",
            "themes": [theme.pk],
            "commune": "Rennes (35238)",
        },
    )
    space = Space.objects.get(name="Habitat partagé à Rennes")
    assert response.status_code == 302 and response["Location"] == space.get_absolute_url()
    assert (
        space.is_private
        and space.territory_name == "Rennes"
        and list(space.themes.all()) == [theme]
    )
    assert Membership.objects.get(space=space, user=user).is_moderator
    assert Activity.objects.filter(space=space, verb="space_created").exists()


def test_space_needs_a_theme_or_territory(client):
    client.force_login(UserFactory())
    response = client.post("/espaces/nouveau/", {"name": "Sans thème", "visibility": "public"})
    assert response.status_code == 200 and "au moins une thématique" in response.content.decode()
    assert not Space.objects.exists()


def test_unverified_member_cannot_create_or_join(client, public_space):
    user = UserFactory(verified=False)
    client.force_login(user)
    assert client.get("/espaces/nouveau/").status_code == 403
    assert client.post(url(public_space, "rejoindre/")).status_code == 403
    assert not Membership.objects.filter(user=user).exists()


def test_anonymous_is_sent_to_login(client, public_space):
    response = client.post(url(public_space, "rejoindre/"))
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    assert client.get("/espaces/nouveau/").status_code == 302


def test_join_public_space_then_post(client, public_space):
    user = UserFactory()
    client.force_login(user)
    new = url(public_space, "discussions/nouvelle/")
    assert client.post(new, {"title": "Avant", "body": "Refusé"}).status_code == 403
    assert client.post(url(public_space, "rejoindre/")).status_code == 302
    assert Membership.objects.filter(space=public_space, user=user).exists()
    response = client.post(new, {"title": "Circuits courts", "body": "Qui livre à Brest ?"})
    discussion = Discussion.objects.get(title="Circuits courts")
    assert response["Location"] == discussion.get_absolute_url()


def test_private_space_cannot_be_joined_without_a_link(client, private_space):
    user = UserFactory()
    client.force_login(user)
    assert client.post(url(private_space, "rejoindre/")).status_code == 404
    assert not Membership.objects.filter(space=private_space, user=user).exists()


def test_direct_invitation_link_and_revocation(client, private_space, moderator):
    client.force_login(moderator)
    client.post(url(private_space, "invitations/"), {"kind": "direct"})
    invitation = Invitation.objects.get(space=private_space)
    assert len(invitation.token) >= 30
    guest = UserFactory()
    client.force_login(guest)
    page = client.get(invitation.get_absolute_url())
    assert page.status_code == 200 and private_space.name in page.content.decode()
    response = client.post(invitation.get_absolute_url(), follow=True)
    assert response.redirect_chain[0] == (private_space.get_absolute_url(), 302)
    assert Membership.objects.filter(space=private_space, user=guest).exists()
    # Revoked: the link is dead for everyone else, and shows nothing of the space.
    services.revoke_invitation(moderator, invitation)
    late = UserFactory()
    client.force_login(late)
    response = client.get(invitation.get_absolute_url())
    assert response.status_code == 404 and private_space.name not in response.content.decode()
    assert client.post(invitation.get_absolute_url()).status_code == 404
    assert not Membership.objects.filter(space=private_space, user=late).exists()
    assert client.get("/invitation/nimporte-quoi/").status_code == 404


def test_join_by_request_approved_or_rejected(
    client, private_space, moderator, django_capture_on_commit_callbacks
):
    invitation = services.create_invitation(moderator, private_space, requires_approval=True)
    alice, bob = UserFactory(), UserFactory()
    for user in (alice, bob):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(invitation.get_absolute_url(), {"message": "Je tiens une épicerie."})
        assert not Membership.objects.filter(space=private_space, user=user).exists()
        assert client.get(url(private_space)).status_code == 404
    requests = {r.user_id: r for r in JoinRequest.objects.filter(space=private_space)}
    assert set(requests) == {alice.pk, bob.pk}
    # The moderator hears of each request at once, in the site and by e-mail.
    asked = Notification.objects.filter(recipient=moderator, kind="join_requested")
    assert asked.count() == 2
    assert {n.actor_id for n in asked} == {alice.pk, bob.pk}
    assert all(n.url == url(private_space, "demandes/") for n in asked)
    assert any(
        moderator.email in m.to and private_space.name in m.subject + m.body for m in mail.outbox
    )
    client.force_login(moderator)
    html = client.get(url(private_space, "demandes/")).content.decode()
    assert "Je tiens une épicerie." in html
    client.post(
        url(private_space, "demandes/"), {"request": requests[alice.pk].pk, "action": "approve"}
    )
    client.post(
        url(private_space, "demandes/"), {"request": requests[bob.pk].pk, "action": "reject"}
    )
    assert Membership.objects.filter(space=private_space, user=alice).exists()
    assert not Membership.objects.filter(space=private_space, user=bob).exists()
    assert JoinRequest.objects.get(pk=requests[bob.pk].pk).status == "rejected"
    # Each requester is told either way; the refusal does not link into the private space.
    told_alice = Notification.objects.get(recipient=alice, kind="join_decided")
    told_bob = Notification.objects.get(recipient=bob, kind="join_decided")
    assert "acceptée" in told_alice.title and told_alice.url == url(private_space)
    assert "n'a pas été acceptée" in told_bob.title and told_bob.url == "/espaces/"
    client.force_login(alice)
    assert client.get(url(private_space)).status_code == 200


def test_last_moderator_leaving_hands_over(private_space, moderator, space_member):
    services.leave_space(moderator, private_space)
    assert Membership.objects.get(space=private_space, user=space_member).is_moderator


def test_linked_projects(client, public_space, moderator, space_member, project):
    client.force_login(space_member)
    assert client.post(url(public_space, "projets/"), {"project": project.pk}).status_code == 403
    client.force_login(moderator)
    html = client.get(url(public_space, "projets/") + "?q=Cravate").content.decode()
    assert project.title in html
    client.post(url(public_space, "projets/"), {"project": project.pk})
    assert list(public_space.projects.all()) == [project.specific]
    assert project.title in client.get(url(public_space)).content.decode()
    assert Activity.objects.filter(verb="project_linked", space=public_space).exists()
    client.post(url(public_space, "projets/"), {"project": project.pk, "action": "unlink"})
    assert not public_space.projects.exists()


def test_pinned_discussions_first_and_locked_refuse_replies(
    client, public_space, moderator, space_member
):
    old = DiscussionFactory(space=public_space, title="Ancienne")
    DiscussionFactory(space=public_space, title="Récente")
    client.force_login(moderator)
    client.post(url(public_space, f"discussions/{old.pk}/options/"), {"option": "pin"})
    client.post(url(public_space, f"discussions/{old.pk}/options/"), {"option": "lock"})
    html = client.get(url(public_space)).content.decode()
    assert html.index("Ancienne") < html.index("Récente")
    client.force_login(space_member)
    response = client.post(
        "/commentaires/publier/",
        {"target_type": "discussion", "target_id": old.pk, "body": "Trop tard ?"},
    )
    assert response.status_code == 403
    assert "verrouillée" in client.get(old.get_absolute_url()).content.decode()


def test_editor_features_spaces_in_admin(client, editor, public_space):
    client.force_login(editor)
    listing = client.get("/admin/snippets/community/space/")
    assert listing.status_code == 200 and public_space.name in listing.content.decode()
    edit = f"/admin/snippets/community/space/edit/{public_space.pk}/"
    response = client.post(
        edit, {"featured": "on", "name": public_space.name, "description": "Mis en avant"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    public_space.refresh_from_db()
    assert public_space.featured


def test_members_cannot_reach_the_admin_snippet(client, space_member, public_space):
    client.force_login(space_member)
    response = client.get(f"/admin/snippets/community/space/edit/{public_space.pk}/")
    assert response.status_code in (302, 403)
    assert not Space.objects.get(pk=public_space.pk).featured


def test_directory_counts_all_members_of_private_spaces(client, private_space, space_member):
    MembershipFactory(space=private_space)
    client.force_login(space_member)
    html = client.get("/espaces/?q=secret").content.decode()
    assert "3 membres" in html


def test_author_corrects_the_opening_message_within_the_edit_window(
    client, private_space, moderator, space_member
):
    discussion = DiscussionFactory(
        space=private_space, author=space_member, title="Titre à corriger"
    )
    edit_url = url(private_space, f"discussions/{discussion.pk}/modifier/")
    client.force_login(space_member)
    assert edit_url in client.get(discussion.get_absolute_url()).content.decode()
    response = client.post(
        edit_url,
        {"title": "Titre corrigé", "body": "Corrigé <script>alert(1)</script> https://exemple.org"},
    )
    assert response.status_code == 302
    discussion.refresh_from_db()
    assert discussion.title == "Titre corrigé" and discussion.edited_at is not None
    assert "<script>" not in discussion.body_html and "&lt;script&gt;" in discussion.body_html
    html = client.get(discussion.get_absolute_url()).content.decode()
    assert "Titre corrigé" in html and "(modifiée)" in html
    # An invalid form keeps what was typed and changes nothing.
    response = client.post(edit_url, {"title": "", "body": "Nouveau texte"})
    assert response.status_code == 400 and "Nouveau texte" in response.content.decode()
    discussion.refresh_from_db()
    assert discussion.title == "Titre corrigé"


def test_only_the_author_edits_a_discussion_and_only_for_a_while(
    client, private_space, moderator, space_member
):
    discussion = DiscussionFactory(space=private_space, author=space_member, title="Original")
    edit_url = url(private_space, f"discussions/{discussion.pk}/modifier/")
    stranger = UserFactory()
    # Others: the moderator (who hides, not rewrites), a non-member (the space stays hidden).
    for user, status in ((moderator, 403), (stranger, 404)):
        client.force_login(user)
        assert client.get(edit_url).status_code == status
        assert client.post(edit_url, {"title": "Piraté", "body": "x"}).status_code == status
    client.logout()
    assert client.post(edit_url, {"title": "Piraté", "body": "x"}).status_code == 302  # log in
    # The author, once the window is over or the thread locked.
    client.force_login(space_member)
    Discussion.objects.filter(pk=discussion.pk).update(
        created_at=timezone.now() - timedelta(minutes=16)
    )
    assert client.post(edit_url, {"title": "Trop tard", "body": "x"}).status_code == 403
    Discussion.objects.filter(pk=discussion.pk).update(created_at=timezone.now(), locked=True)
    assert client.post(edit_url, {"title": "Verrouillée", "body": "x"}).status_code == 403
    assert Discussion.objects.get(pk=discussion.pk).title == "Original"


def test_editing_a_discussion_cannot_slip_links_past_the_new_account_limit(client, public_space):
    newcomer = UserFactory()
    MembershipFactory(space=public_space, user=newcomer)
    discussion = services.start_discussion(
        newcomer, public_space, title="Atelier vélo", body="Voir https://a.example"
    )
    client.force_login(newcomer)
    edit_url = url(public_space, f"discussions/{discussion.pk}/modifier/")
    response = client.post(
        edit_url, {"title": "Atelier vélo", "body": "Voir https://a.example et https://b.example"}
    )
    assert response.status_code == 429 and "au plus 1 lien" in response.content.decode()
    discussion.refresh_from_db()
    assert discussion.body == "Voir https://a.example" and discussion.edited_at is None
    # Rewording without a new link is fine.
    response = client.post(edit_url, {"title": "Atelier vélo", "body": "Lire https://a.example"})
    assert response.status_code == 302
