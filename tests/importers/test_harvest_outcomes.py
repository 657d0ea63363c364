"""Followers told of a project's outcomes when they come from a harvest (issue 14).

A real laureate of La France s'engage (La Cravate Solidaire) is followed; then the real Apriles
export, served on 127.0.0.1, is harvested by `manage.py harvest` in a subprocess: the
deduplicator finds the same project there, the page gets a second partner, and each follower
is told once, in the site and in the digest. A second run tells nobody anything.
"""

from __future__ import annotations

import pytest
from django.core import mail

from catalogue import services
from catalogue.models import ProjectSource
from community import tasks
from community.models import Follow, Membership, Notification, NotificationSettings
from importers.models import HarvestRun, Source
from tests.catalogue.factories import make_project
from tests.community.factories import SpaceFactory, UserFactory

from .conftest import SHARED_DATA
from .harvesting import manage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PARTNER = "APRILES"


def harvest(name):
    proc = manage("harvest", name, "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run = HarvestRun.objects.filter(source__name=name).order_by("-pk").first()
    assert run.status in ("success", "partial"), run.message  # partial: unplaced records
    return run


def follow(user, page):
    from django.contrib.contenttypes.models import ContentType

    return Follow.objects.create(
        user=user, target_type=ContentType.objects.get_for_model(page), target_id=page.pk
    )


def partner_notes(user):
    return list(Notification.objects.filter(recipient=user, kind="project_partner"))


def test_a_second_source_tells_each_follower_once(local_site):
    services.ensure_site_tree()
    page = make_project()  # La Cravate Solidaire, from the FFE laureates
    fans = [UserFactory(), UserFactory()]
    for fan in fans:
        follow(fan, page)
    # A member of a private space that follows the project: nothing of the space is told.
    space = SpaceFactory(name="Cercle confidentiel", visibility="private")
    Membership.objects.create(space=space, user=fans[0])

    # The export's header, its first five records and La Cravate Solidaire's (one a line).
    lines = (SHARED_DATA / "apriles-export.csv").read_text("utf-8").splitlines(keepends=True)
    body = "".join(lines[:6] + [line for line in lines if "Cravate Solidaire" in line])
    url = local_site.route("outcomes/apriles-export.csv", body, content_type="text/csv")
    partner = services.upsert_partner(PARTNER)
    Source.objects.create(
        name="Apriles export",
        kind="csv",
        normaliser="apriles_export",
        config={"url": url},
        partner=partner,
    )
    assert harvest("Apriles export").merged == 1
    keys = set(ProjectSource.objects.filter(project=page).values_list("source_key", flat=True))
    assert keys == {"ffe", "Apriles export"}

    for fan in fans:
        (note,) = partner_notes(fan)
        assert note.title == "« La Cravate Solidaire » est désormais référencé par APRILES"
        assert note.target == page and note.url == page.url
        assert note.space is None and "confidentiel" not in note.title + note.body
        # not told twice by the page's re-publication in the same harvest
        assert not Notification.objects.filter(recipient=fan, kind="project_updated").exists()

    harvest("Apriles export")  # a re-run: the same listing, nobody is told again
    for fan in fans:
        assert len(partner_notes(fan)) == 1

    # The weekly digest (the default) carries it.
    NotificationSettings.objects.filter(user__in=fans).delete()
    mail.outbox.clear()
    assert tasks.send_digests("weekly") == 2
    assert {m.to[0] for m in mail.outbox} == {fan.email for fan in fans}
    for message in mail.outbox:
        assert "La Cravate Solidaire" in message.body and "APRILES" in message.body
        assert "confidentiel" not in message.body
