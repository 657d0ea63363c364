"""« Près de chez moi » on the account page, on real harvested records (FFE laureates placed in
Paris 13e): projects by distance through the search engine, holders and members only when they
opted in, spaces the viewer may see, never an e-mail address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalogue.models import TaxonomyGroup
from community import near
from community.forms import ProfileForm
from community.models import Profile

from .factories import MembershipFactory, SpaceFactory, approve, make_user

pytestmark = pytest.mark.django_db

PARIS_13, PARIS_15, MARSEILLE = "75113", "75115", "13055"


def _member(username, insee="", *, discoverable=False, name=None, interests=()):
    user = make_user(username, f"{username}.secret@example.org")
    profile = user.profile
    profile.display_name = name or username.capitalize()
    profile.insee_code = insee
    profile.territory_name = {PARIS_13: "Paris 13e", PARIS_15: "Paris 15e"}.get(insee, "")
    profile.discoverable = discoverable
    profile.save()
    profile.interests.set(interests)
    return user


def _domain_of(page):
    return TaxonomyGroup.objects.filter(family="domaines", codes__in=page.codes.all()).first()


def test_profile_checkbox_is_off_by_default(db):
    user = make_user("nouvelle", "nouvelle@example.org")
    assert Profile.objects.get(user=user).discoverable is False
    assert "discoverable" in ProfileForm(instance=user.profile).fields


def test_projects_holders_spaces_members_near_me(client, ffe_project, other_ffe_project, moderator):
    domain = _domain_of(ffe_project)
    viewer = _member("alix", PARIS_13, name="Alix", interests=[domain] if domain else [])
    holder = _member("marie", PARIS_13, name="Marie Porteuse")
    approve(holder, ffe_project)
    neighbour = _member("noe", PARIS_15, discoverable=True, name="Noé Voisin", interests=[domain])
    shy = _member("timide", PARIS_13, name="Timide Caché")
    far = _member("loin", MARSEILLE, discoverable=True, name="Loin Marseille")
    public = SpaceFactory(created_by=moderator, name="Entraide Paris 13", insee_code=PARIS_13)
    private = SpaceFactory(
        created_by=moderator, name="Cercle privé du 13e", insee_code=PARIS_13, visibility="private"
    )

    client.force_login(viewer)
    html = client.get(reverse("community:account")).content.decode()
    # Projects near, through the search engine (the viewer's interests first).
    assert "La Cravate Solidaire" in html
    found = near.near_me(viewer)
    assert found["projects"] and all(
        row["km"] is not None and row["km"] <= 30 for row in found["projects"]
    )
    # Members: only those who opted in, within the radius; never e-mail addresses.
    assert "Noé Voisin" in html
    for hidden in ("Timide Caché", "Loin Marseille", "Marie Porteuse"):
        assert hidden not in html, hidden
    assert "@example.org" not in html
    # Spaces: public, and private only for members.
    assert public.name in html and private.name not in html
    # The holder opts in: now listed with their project.
    holder.profile.discoverable = True
    holder.profile.save()
    html = client.get(reverse("community:account")).content.decode()
    assert "Marie Porteuse" in html
    assert [row["project"].pk for row in near.near_me(viewer)["holders"]] == [ffe_project.pk]
    # A member of the private space sees it.
    MembershipFactory(space=private, user=viewer)
    assert private.name in client.get(reverse("community:account")).content.decode()
    assert far and shy and neighbour


def test_without_commune_says_what_to_do(client, db):
    viewer = _member("sans", "")
    client.force_login(viewer)
    html = client.get(reverse("community:account")).content.decode()
    assert "Indiquez votre commune" in html
    assert near.near_me(viewer)["centre"] is None


def test_opt_in_through_the_profile_form(client, db):
    viewer = _member("alix", PARIS_13)
    other = _member("bea", PARIS_13, name="Béa Voisine")
    client.force_login(other)
    response = client.post(
        reverse("community:profile_edit"),
        {"display_name": "Béa Voisine", "commune": "75113", "discoverable": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    other.profile.refresh_from_db()
    assert other.profile.discoverable
    client.force_login(viewer)
    assert "Béa Voisine" in client.get(reverse("community:account")).content.decode()


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(reverse("community:account"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_hostile_names_are_escaped(client, db):
    from tests.hostile import MARK, PAYLOADS, active_markup

    viewer = _member("alix", PARIS_13)
    _member("hostile", PARIS_13, discoverable=True, name=PAYLOADS[1][:80])
    client.force_login(viewer)
    html = client.get(reverse("community:account")).content.decode()
    assert MARK in html and active_markup(html) == []
