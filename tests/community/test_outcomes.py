"""A followed project's outcomes (issue 14): a new stage, a distinction, a new partner, told to
its followers in the site and in their digest, whoever writes it (the write path's records, an
editor's publish), once each; nothing for a page that is not public, nothing of a private space.
The harvest's own journey is in tests/importers/test_harvest_outcomes.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction

from catalogue import services
from catalogue.models import OutcomeSnapshot, ProjectPage
from catalogue.records import Distinction
from community import notify, tasks
from community import services as community_services
from community.models import Membership, Notification
from tests.catalogue.factories import ffe_record, make_project
from tests.community.factories import UserFactory
from tests.hostile import ALL_PAYLOADS, active_markup

pytestmark = pytest.mark.django_db


def follow(user, obj):
    return notify.Follow.objects.get_or_create(
        user=user, target_type=notify._ct(obj), target_id=obj.pk
    )[0]


def told(user, kind=None):
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)


def test_stage_and_distinction_from_the_write_path_told_once(client, ffe_project):
    fan, other = UserFactory(), UserFactory()
    follow(fan, ffe_project)
    assert OutcomeSnapshot.objects.filter(page_id=ffe_project.pk).exists()  # recorded silently
    assert told(fan) == []

    record = ffe_record(
        stage="essaimage", distinctions=[Distinction(name="Lauréat La France s'engage", year=2014)]
    )
    services.upsert_project(record, source_key="ffe")
    assert sorted(n.kind for n in told(fan)) == ["project_distinction", "project_stage"]
    stage = told(fan, "project_stage")[0]
    assert stage.title == "« La Cravate Solidaire » passe à l'étape « Essaimage »"
    assert stage.target == ffe_project and stage.url == ffe_project.url and stage.space is None
    distinction = told(fan, "project_distinction")[0]
    assert distinction.title.endswith("a reçu une distinction : Lauréat La France s'engage (2014)")
    assert told(other) == []  # not a follower

    services.upsert_project(record, source_key="ffe")  # the same record again
    assert len(told(fan)) == 2

    client.force_login(fan)
    listing = client.get(reverse("community:notifications")).content.decode()
    assert "passe à l&#x27;étape « Essaimage »" in listing
    mail.outbox.clear()
    assert tasks.send_digests("weekly") == 1
    assert "Essaimage" in mail.outbox[0].body and "Lauréat" in mail.outbox[0].body


def test_a_new_partner_is_told_and_the_same_partner_again_is_not(ffe_project):
    fan = UserFactory()
    follow(fan, ffe_project)
    partner = services.upsert_partner("APRILES")
    services.add_source(
        ffe_project, ffe_record(source_id="sobi-1"), source_key="Apriles", partner=partner
    )
    (note,) = told(fan)
    assert note.kind == "project_partner"
    assert note.title == "« La Cravate Solidaire » est désormais référencé par APRILES"
    # The same partner through a second source of its own: not a new partner.
    services.add_source(
        ffe_project, ffe_record(source_id="sobi-2"), source_key="Apriles bis", partner=partner
    )
    assert len(told(fan)) == 1


def test_an_editors_publish_tells_the_new_stage_not_a_mere_update(ffe_project):
    fan = UserFactory()
    follow(fan, ffe_project)
    page = ProjectPage.objects.get(pk=ffe_project.pk)
    page.stage = "amorcage"
    page.save_revision().publish()
    assert [n.kind for n in told(fan)] == ["project_stage"]
    page.summary = "Une autre phrase."
    page.save_revision().publish()  # at once: they were just told the page changed
    assert [n.kind for n in told(fan)] == ["project_stage"]
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    # Not its first publication (project_published ignores one within a second of it).
    page.first_published_at = timezone.now() - timedelta(days=1)
    page.summary = "Une troisième phrase."
    page.save_revision().publish()  # later, no outcome: the usual "updated" (one a day)
    assert [n.kind for n in told(fan)] == ["project_stage", "project_updated"]


def test_a_page_that_is_not_public_tells_nothing(ffe_project):
    fan = UserFactory()
    follow(fan, ffe_project)
    PageViewRestriction.objects.create(page=ffe_project, restriction_type=PageViewRestriction.LOGIN)
    services.upsert_project(ffe_record(stage="essaimage"), source_key="ffe")
    assert told(fan, "project_stage") == []


def test_a_private_space_never_leaks_into_an_outcome(ffe_project, private_space, moderator):
    member, outsider = UserFactory(), UserFactory()
    Membership.objects.create(space=private_space, user=member)
    for user in (member, outsider):
        follow(user, ffe_project)
        follow(user, private_space)
    community_services.link_project(moderator, private_space, ffe_project)
    services.upsert_project(ffe_record(stage="essaimage"), source_key="ffe")
    assert [n.kind for n in told(outsider)] == ["project_stage"]
    assert sorted(n.kind for n in told(member)) == ["project_linked", "project_stage"]
    for note in told(outsider):
        assert note.space is None and private_space.name not in note.title + note.body
    mail.outbox.clear()
    tasks.send_digests("weekly")
    (outsider_mail,) = [m for m in mail.outbox if m.to == [outsider.email]]
    assert private_space.name not in outsider_mail.body


def test_hostile_distinction_and_partner_names_are_text(client, site_tree):
    page = make_project()
    fan = UserFactory()
    follow(fan, page)
    record = ffe_record(distinctions=[Distinction(name=f"Prix {ALL_PAYLOADS}", year=2020)])
    services.upsert_project(record, source_key="ffe")
    partner = services.upsert_partner(f"Réseau {ALL_PAYLOADS}"[:200])
    services.add_source(page, ffe_record(source_id="x"), source_key="hostile", partner=partner)
    assert sorted(n.kind for n in told(fan)) == ["project_distinction", "project_partner"]
    client.force_login(fan)
    listing = client.get(reverse("community:notifications")).content.decode()
    assert active_markup(listing) == []
    mail.outbox.clear()
    tasks.send_digests("weekly")
    for alternative, _mime in getattr(mail.outbox[0], "alternatives", []):
        assert active_markup(alternative) == []
