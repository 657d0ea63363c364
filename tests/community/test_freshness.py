"""Holders keep their pages fresh: "toujours à jour" on the page, holders' edits, the yearly
reminders (once per period, never to unclaimed pages), the signed link, "à vérifier" and the
editors' queue. The clock is moved by passing `now`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from catalogue import confirmation, services
from catalogue.models import ProjectConfirmation
from catalogue.search import SearchQuery, execute
from community import freshness
from tests.catalogue.factories import make_project, other_record
from tests.community.factories import approve, make_user

pytestmark = pytest.mark.django_db

YEAR = timedelta(days=365)
LINK = re.compile(r"https?://\S+/projets/a-jour/[^/\s]+/")


@pytest.fixture
def tree():
    return services.ensure_site_tree()


@pytest.fixture
def claimed(tree):
    page = make_project()
    holder = make_user("porteuse", "porteuse@lacravatesolidaire.org")
    approve(holder, page)
    return page, holder


def test_the_holder_clicks_toujours_a_jour(claimed, client):
    page, holder = claimed
    stranger = make_user("passant")
    url = f"/projets/{page.pk}/a-jour/"
    assert client.post(url).status_code == 403  # anonymous
    client.force_login(stranger)
    assert "Toujours à jour" not in client.get(page.url).content.decode()
    assert client.post(url).status_code == 403
    assert confirmation.confirmation_of(page).by == "source"
    client.force_login(holder)
    assert client.get(url).status_code == 405  # a GET confirms nothing
    assert "data-confirm-fresh" in client.get(page.url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    found = confirmation.confirmation_of(page)
    assert found.by == "holder"
    row = ProjectConfirmation.objects.get(page=page)
    assert row.user == holder
    assert "par le porteur du projet" in client.get(page.url).content.decode()


def test_a_holders_edit_confirms_the_page(claimed, settings):
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = True
    page, holder = claimed
    later = timezone.now()
    services.apply_holder_edit(page, holder, {"summary": "Des tenues pour l'emploi."}, publish=True)
    found = confirmation.confirmation_of(page)
    assert found.by == "holder" and found.at >= later


def test_reminders_once_per_period_then_a_verifier(claimed, client, django_user_model):
    page, holder = claimed
    unclaimed = make_project(other_record())
    start = timezone.now()
    # Within the year: nothing.
    assert freshness.send_reminders(start + YEAR - timedelta(days=1))["emails"] == 0
    # A year on: one reminder, to the holder only, once however often the job runs.
    day = start + YEAR + timedelta(days=1)
    assert freshness.send_reminders(day)["emails"] == 1
    assert freshness.send_reminders(day)["emails"] == 0
    assert freshness.send_reminders(day + timedelta(days=10))["emails"] == 0
    assert [m.to for m in mail.outbox] == [[holder.email]]
    body = mail.outbox[0].body
    assert page.title in body and f"/projets/{page.pk}/modifier/" in body
    assert "Un clic suffit" in body
    # A month later, the second; a month after it, "à vérifier" (and never a third e-mail).
    assert freshness.send_reminders(day + timedelta(days=31))["emails"] == 1
    assert freshness.send_reminders(day + timedelta(days=45))["emails"] == 0
    done = freshness.send_reminders(day + timedelta(days=62))
    assert (done["emails"], done["to_verify"]) == (0, 1)
    assert freshness.send_reminders(day + timedelta(days=400))["emails"] == 0
    assert len(mail.outbox) == 2
    assert all(unclaimed.title not in m.body for m in mail.outbox)
    assert not ProjectConfirmation.objects.filter(page=unclaimed, reminders_sent__gt=0).exists()

    # Labelled on the page, in the search facet, the API and the editors' queue.
    assert "data-to-verify" in client.get(page.url).content.decode()
    query = SearchQuery.from_params({"fraicheur": "a-verifier"})
    assert [p.pk for p in execute(query).results] == [page.pk]
    record = client.get("/api/projects?fraicheur=a-verifier").json()["results"]
    assert [(r["id"], r["to_verify"]) for r in record] == [(page.pk, True)]
    editor = django_user_model.objects.create_superuser("chef", "chef@carrefour.example", "x")
    client.force_login(editor)
    assert f'data-to-verify="{page.pk}"' in client.get("/admin/fraicheur/").content.decode()
    client.post("/admin/fraicheur/", {"page": page.pk, "action": "confirm"})
    found = confirmation.confirmation_of(page)
    assert found.by == "editor" and not found.to_verify
    client.logout()
    assert "data-to-verify" not in client.get(page.url).content.decode()


def test_the_e_mail_link_confirms_once_without_logging_in(claimed, client):
    page, holder = claimed
    day = timezone.now() + YEAR + timedelta(days=1)
    freshness.send_reminders(day)
    link = LINK.search(mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    # GET (a link scanner's prefetch) confirms nothing.
    response = client.get(path)
    assert response.status_code == 200 and "Oui, toujours à jour" in response.content.decode()
    assert confirmation.confirmation_of(page).by == "source"
    response = client.post(path)
    assert "confirmée à jour" in response.content.decode()
    first = confirmation.confirmation_of(page)
    assert first.by == "holder"
    # Used again: nothing more (the date stays), a polite answer.
    response = client.post(path)
    assert "déjà confirmée" in response.content.decode()
    assert confirmation.confirmation_of(page).at == first.at
    # The reminders start again from the confirmation: a new period, a new first reminder.
    now = timezone.now()
    assert freshness.send_reminders(now + timedelta(days=40))["emails"] == 0
    assert freshness.send_reminders(now + YEAR + timedelta(days=1))["emails"] == 1


def test_hostile_or_foreign_tokens_confirm_nothing(claimed, client):
    page, holder = claimed
    stranger = make_user("passant")
    for token in ("x", "' OR 1=1 --", "%3Cscript%3E", "a" * 500):
        assert client.post(f"/projets/a-jour/{token}/").status_code in (400, 404)
    # A token signed for someone who is not a holder (revoked since) confirms nothing.
    forged = freshness.link_token(stranger, page)
    assert client.post(f"/projets/a-jour/{forged}/").status_code == 403
    old = freshness.link_token(holder, page, timezone.now() - timedelta(days=200))
    assert client.post(f"/projets/a-jour/{old}/").status_code == 400
    assert confirmation.confirmation_of(page).by == "source"


def test_claimed_pages_are_never_archived(claimed, settings):
    settings.FRESHNESS_ARCHIVE_AFTER_RUNS = 1
    page, _holder = claimed
    for _ in range(3):
        services.mark_unlisted("ffe", set(), threshold=1)
    page.refresh_from_db()
    assert page.live
    assert not ProjectConfirmation.objects.filter(archived_at__isnull=False).exists()
