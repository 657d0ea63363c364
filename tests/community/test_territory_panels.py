"""The community's panels on the territory pages: approved holders of public projects there,
active public spaces of the territory or with enough members there; nothing private."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import PageViewRestriction

from catalogue import services
from catalogue.records import ProjectRecord
from community.models import Discussion, Membership, ProjectClaim, Space
from community.territory_panels import MIN_MEMBERS_THERE
from tests.community.factories import (
    DiscussionFactory,
    MembershipFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NANTES, ANGERS = "44109", "49007"


def _project(title: str, insee: str, postal: str, city: str):
    record = ProjectRecord(
        title=title, source_id=title, postal_code=postal, city=city, insee_code=insee,
        summary="Un projet d'essai.",
    )  # fmt: skip
    return services.upsert_project(record, source_key="Panels test").page


def _claim(page, name):
    holder = UserFactory(display_name=name)
    ProjectClaim.objects.create(
        project=page, user=holder, role="Fondatrice", status=ProjectClaim.Status.APPROVED
    )
    return holder


def _living_in(insee, n):
    users = [UserFactory() for _ in range(n)]
    for user in users:
        user.profile.insee_code = insee
        user.profile.save()
    return users


def test_holders_and_spaces_of_the_territory(client):
    services.ensure_site_tree()
    here = _project("Recyclerie nantaise", NANTES, "44000", "Nantes")
    hidden = _project("Projet privé nantais", NANTES, "44000", "Nantes")
    PageViewRestriction.objects.create(page=hidden, restriction_type="password", password="x")
    elsewhere = _project("Recyclerie angevine", ANGERS, "49000", "Angers")
    _claim(here, "Alix Porteuse")
    _claim(hidden, "Bérénice Cachée")
    _claim(elsewhere, "Chloé Angevine")
    pending = UserFactory(display_name="Dominique Attente")
    ProjectClaim.objects.create(project=here, user=pending, role="Bénévole")

    local = SpaceFactory(name="Réemploi à Nantes", insee_code=NANTES)
    DiscussionFactory(space=local)
    crowded = SpaceFactory(name="Réseau régional du réemploi")
    for user in _living_in(NANTES, MIN_MEMBERS_THERE):
        MembershipFactory(space=crowded, user=user)
    lonely = SpaceFactory(name="Un seul Nantais")
    MembershipFactory(space=lonely, user=_living_in(NANTES, 1)[0])
    private = SpaceFactory(name="Cercle privé nantais", insee_code=NANTES, visibility="private")
    DiscussionFactory(space=private)
    asleep = SpaceFactory(name="Espace endormi", insee_code=NANTES)
    long_ago = timezone.now() - timedelta(days=400)
    Membership.objects.filter(space=asleep).update(joined_at=long_ago)
    Discussion.objects.create(
        space=asleep, title="Vieux sujet", body="…", last_activity_at=long_ago
    )

    for path in ("/territoires/commune/44109/", "/territoires/departement/44/"):
        html = client.get(path).content.decode()
        assert "Les porteurs de projets présents ici" in html
        assert "Alix Porteuse" in html and "Recyclerie nantaise" in html
        for absent in (
            "Bérénice Cachée",
            "Projet privé nantais",
            "Chloé Angevine",
            "Dominique Attente",
        ):
            assert absent not in html, (path, absent)
        assert "Les espaces communautaires actifs ici" in html
        assert "Réemploi à Nantes" in html and "Réseau régional du réemploi" in html
        for absent in ("Un seul Nantais", "Cercle privé nantais", "Espace endormi"):
            assert absent not in html, (path, absent)
    html = client.get("/territoires/commune/49007/").content.decode()
    assert "Chloé Angevine" in html and "Alix Porteuse" not in html
    assert "Les espaces communautaires actifs ici" not in html
    assert Space.objects.count() == 5
