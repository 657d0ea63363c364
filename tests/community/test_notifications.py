"""Follows, notifications (fan-out, privacy), e-mail delivery and digests, unsubscribe links,
saved searches."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from community import emails, holders, notify, searches, services, tasks
from community.models import (
    Follow,
    Membership,
    Notification,
    NotificationSettings,
    SavedSearch,
)
from tests.catalogue.factories import make_project, other_record
from tests.community.factories import UserFactory, approve

pytestmark = pytest.mark.django_db


def follow(user, obj):
    return notify.Follow.objects.get_or_create(
        user=user, target_type=notify._ct(obj), target_id=obj.pk
    )[0]


def set_frequency(user, frequency):
    NotificationSettings.objects.update_or_create(user=user, defaults={"frequency": frequency})


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


# --- fan-out ------------------------------------------------------------------------------------
def test_new_discussion_notifies_space_followers_not_the_author(public_space, moderator):
    fan, author = UserFactory(), UserFactory()
    Membership.objects.create(space=public_space, user=author)
    follow(fan, public_space)
    follow(author, public_space)
    discussion = services.start_discussion(
        author, public_space, title="Une camionnette partagée", body="Qui est partant ?"
    )
    (notification,) = Notification.objects.filter(recipient=fan)
    assert notification.kind == "discussion_started"
    assert "Une camionnette partagée" in notification.title
    assert notification.url == discussion.get_absolute_url()
    assert notification.space == public_space and notification.actor == author
    assert kinds(author) == []
    # Starting a discussion means following it: the author hears about replies.
    assert Follow.objects.of(discussion).filter(user=author).exists()
    Membership.objects.create(space=public_space, user=fan)
    services.post_comment(fan, discussion, "Moi !")
    assert kinds(author) == ["commented"]
    assert kinds(fan) == ["discussion_started"]  # not told of their own reply


def test_project_comment_and_news_notify_project_followers(ffe_project):
    fan, commenter, owner = UserFactory(), UserFactory(), UserFactory()
    follow(fan, ffe_project)
    services.post_comment(commenter, ffe_project, "Bravo pour ce projet.")
    approve(owner, ffe_project)
    news = holders.post_news(owner, ffe_project, title="Nouvelle boutique", body="À Lyon.")
    assert kinds(fan) == ["commented", "project_news"]
    news_notification = Notification.objects.get(recipient=fan, kind="project_news")
    assert news_notification.target == news and "Nouvelle boutique" in news_notification.title
    assert kinds(owner) == ["claim_approved"]  # not notified of their own news


def test_fan_out_is_idempotent(ffe_project):
    from community.models import Activity

    fan, owner = UserFactory(), UserFactory()
    follow(fan, ffe_project)
    approve(owner, ffe_project)
    holders.post_news(owner, ffe_project, title="Une", body="Deux")
    activity = Activity.objects.filter(verb=Activity.Verb.PROJECT_NEWS).get()
    assert notify.fan_out(activity) == 0
    assert Notification.objects.filter(recipient=fan).count() == 1


def test_private_space_content_only_reaches_members(private_space, moderator):
    member, outsider = UserFactory(), UserFactory()
    Membership.objects.create(space=private_space, user=member)
    follow(member, private_space)
    follow(outsider, private_space)  # e.g. followed it while a member, then left
    services.start_discussion(moderator, private_space, title="Budget secret", body="Chut")
    assert kinds(member) == ["discussion_started"]
    assert kinds(outsider) == []


def test_left_private_space_before_the_digest(client, private_space, moderator):
    member = UserFactory()
    membership = Membership.objects.create(space=private_space, user=member)
    follow(member, private_space)
    services.start_discussion(moderator, private_space, title="Budget secret", body="Chut")
    assert notify.unread_count(member) == 1
    membership.delete()  # left (or removed) before the e-mail went out
    assert notify.unread_count(member) == 0
    client.force_login(member)
    page = client.get(reverse("community:notifications")).content.decode()
    assert "Budget secret" not in page
    assert tasks.send_digests("weekly") == 0
    assert all("Budget secret" not in m.body for m in mail.outbox)
    # Never e-mailed later either, even after coming back.
    Membership.objects.create(space=private_space, user=member)
    assert tasks.send_digests("weekly", now=timezone.now() + timedelta(days=8)) == 0


def test_hidden_comment_is_not_emailed(ffe_project, editor):
    fan, commenter = UserFactory(), UserFactory()
    follow(fan, ffe_project)
    comment = services.post_comment(commenter, ffe_project, "Achetez mes montres !")
    services.moderate_comment(editor, comment, "hide")
    assert tasks.send_digests("weekly") == 0


# --- delivery -----------------------------------------------------------------------------------
def _news_for_followers(project, *followers):
    from django.test import TestCase

    owner = UserFactory()
    with TestCase.captureOnCommitCallbacks(execute=True):
        approve(owner, project)  # the owner is e-mailed the decision at once
    for user in followers:
        follow(user, project)
    return holders.post_news(owner, project, title="Portes ouvertes", body="Samedi à 10 h.")


def test_weekly_digest_is_the_default_and_never_sent_twice(ffe_project):
    fan = UserFactory()  # no settings row: weekly digest
    _news_for_followers(ffe_project, fan)
    mail.outbox.clear()
    assert tasks.send_digests("daily") == 0
    assert tasks.send_digests("weekly") == 1
    (message,) = mail.outbox
    assert message.to == [fan.email] and "semaine" in message.subject
    assert "Portes ouvertes" in message.body
    # Both headers of RFC 8058 one-click unsubscribe.
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    html = message.alternatives[0][0]
    assert "Portes ouvertes" in html and "desabonnement" in html
    # A re-run (or an overlapping run) sends nothing again.
    assert tasks.send_digests("weekly") == 0
    assert tasks.send_digests("weekly", now=timezone.now() + timedelta(days=7)) == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.get(recipient=fan).emailed_at is not None


def test_daily_digest_members(ffe_project):
    daily, weekly = UserFactory(), UserFactory()
    set_frequency(daily, "daily")
    _news_for_followers(ffe_project, daily, weekly)
    mail.outbox.clear()
    assert tasks.send_daily_digests() == 1
    assert mail.outbox[0].to == [daily.email] and "jour" in mail.outbox[0].subject
    assert tasks.send_daily_digests() == 0  # the same day again: nothing
    assert tasks.send_weekly_digests() == 1
    assert mail.outbox[1].to == [weekly.email]


def test_digest_waits_for_its_period(ffe_project):
    fan = UserFactory()
    set_frequency(fan, "daily")
    _news_for_followers(ffe_project, fan)
    now = timezone.now()
    assert tasks.send_digests("daily", now=now) == 1
    holders.post_news(
        holders.holders_of(ffe_project)[0], ffe_project, title="Encore", body="Une autre."
    )
    assert tasks.send_digests("daily", now=now + timedelta(hours=2)) == 0
    assert tasks.send_digests("daily", now=now + timedelta(hours=24)) == 1


def test_immediate_members_get_one_email_per_event(ffe_project, django_capture_on_commit_callbacks):
    fan, never = UserFactory(), UserFactory()
    set_frequency(fan, "immediate")
    set_frequency(never, "never")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _news_for_followers(ffe_project, fan, never)
    sent = [m for m in mail.outbox if fan.email in m.to]
    assert len(sent) == 1 and "Portes ouvertes" in sent[0].subject
    assert not [m for m in mail.outbox if never.email in m.to]
    assert tasks.send_immediate() == 0  # the sweep finds nothing left
    assert tasks.send_digests("weekly") == 0  # "never" members get no digest


def test_unsubscribe_link_works_without_login(client, ffe_project):
    fan = UserFactory()
    _news_for_followers(ffe_project, fan)
    tasks.send_digests("weekly")
    url = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>")
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200 and "Confirmer" in response.content.decode()
    assert NotificationSettings.for_user(fan).frequency == "weekly"  # a GET changes nothing
    response = client.post("/" + path)
    assert response.status_code == 200
    assert NotificationSettings.for_user(fan).frequency == "never"


def test_rfc8058_one_click_post(client, ffe_project):
    fan = UserFactory()
    token = emails.unsubscribe_token(fan)
    response = client.post(
        reverse("community:unsubscribe", args=[token]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert NotificationSettings.for_user(fan).frequency == "never"


def test_unfollow_link_in_email(client, ffe_project):
    fan = UserFactory()
    _news_for_followers(ffe_project, fan)
    tasks.send_digests("weekly")
    body = mail.outbox[-1].body
    stop = [line for line in body.splitlines() if "Ne plus suivre" in line][0]
    path = "/" + stop.split("://", 1)[1].split("/", 1)[1]
    client.post(path)
    assert not Follow.objects.filter(user=fan).exists()
    assert NotificationSettings.for_user(fan).frequency == "weekly"


def test_forged_or_foreign_tokens_are_refused(client):
    victim = UserFactory()
    token = emails.unsubscribe_token(victim)
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    assert client.post(reverse("community:unsubscribe", args=[forged])).status_code == 400
    other_salt = __import__("django.core.signing").core.signing.dumps(
        {"u": victim.pk, "s": "email"}
    )
    assert client.post(reverse("community:unsubscribe", args=[other_salt])).status_code == 400
    assert NotificationSettings.for_user(victim).frequency == "weekly"


# --- in the site --------------------------------------------------------------------------------
def test_bell_page_open_and_read_all(client, ffe_project):
    fan = UserFactory()
    _news_for_followers(ffe_project, fan)
    holders.post_news(
        holders.holders_of(ffe_project)[0], ffe_project, title="Deuxième", body="Encore."
    )
    client.force_login(fan)
    header = client.get("/").content.decode()
    assert 'data-unread="2"' in header
    page = client.get(reverse("community:notifications")).content.decode()
    assert "Portes ouvertes" in page and "Deuxième" in page
    first = Notification.objects.filter(recipient=fan).order_by("created_at").first()
    response = client.get(reverse("community:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == first.url
    assert notify.unread_count(fan) == 1
    client.post(reverse("community:notifications_read_all"))
    assert notify.unread_count(fan) == 0


def test_notifications_of_others_are_404(client, ffe_project):
    fan, other = UserFactory(), UserFactory()
    _news_for_followers(ffe_project, fan)
    client.force_login(other)
    notification = Notification.objects.get(recipient=fan)
    response = client.get(reverse("community:notification_open", args=[notification.pk]))
    assert response.status_code == 404
    assert client.get(reverse("community:notifications")).status_code == 200
    client.logout()
    assert client.get(reverse("community:notifications")).status_code == 302


def test_follow_and_unfollow_views(client, ffe_project, public_space, private_space):
    user = UserFactory()
    url = reverse("community:follow", args=["projet", ffe_project.pk])
    assert client.post(url).status_code == 302 and not Follow.objects.exists()  # to login
    client.force_login(user)
    client.post(url, {"action": "follow"})
    client.post(url, {"action": "follow"})
    assert Follow.objects.of(ffe_project).filter(user=user).count() == 1
    assert "Ne plus suivre" in client.get(ffe_project.url).content.decode()
    client.post(url, {"action": "unfollow"})
    assert not Follow.objects.filter(user=user).exists()
    client.post(reverse("community:follow", args=["espace", public_space.pk]))
    assert Follow.objects.of(public_space).filter(user=user).exists()
    # A private space one does not belong to cannot even be followed (nor named).
    response = client.post(reverse("community:follow", args=["espace", private_space.pk]))
    assert response.status_code == 404
    assert client.post(reverse("community:follow", args=["inconnu", 1])).status_code == 404
    page = client.get(reverse("community:follows")).content.decode()
    assert public_space.name in page and private_space.name not in page


def test_notification_settings_page(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("community:notification_settings")).status_code == 200
    client.post(reverse("community:notification_settings"), {"frequency": "daily"})
    assert NotificationSettings.for_user(user).frequency == "daily"


# --- schedules ----------------------------------------------------------------------------------
def test_schedules_exist_after_migrate_and_are_idempotent():
    from community.schedules import SCHEDULES, ensure_schedules

    names = set(SCHEDULES)
    assert names <= set(Schedule.objects.values_list("name", flat=True))
    ensure_schedules()
    ensure_schedules()
    rows = Schedule.objects.filter(name__in=names)
    assert rows.count() == len(names)
    assert {r.func for r in rows} == {
        "community.tasks.send_daily_digests",
        "community.tasks.send_weekly_digests",
        "community.tasks.send_immediate",
        "community.freshness.daily",
    }
    assert all(r.schedule_type == Schedule.CRON and r.next_run for r in rows)


def test_scheduled_task_runs_through_django_q(ffe_project):
    """The function a schedule names runs in django-q2 (sync in tests) and sends the digest."""
    from django_q.tasks import async_task, result

    fan = UserFactory()
    set_frequency(fan, "daily")
    _news_for_followers(ffe_project, fan)
    mail.outbox.clear()
    task_id = async_task("community.tasks.send_daily_digests", sync=True)
    assert result(task_id) == 1
    assert mail.outbox[0].to == [fan.email]


# --- saved searches -----------------------------------------------------------------------------
def test_save_search_and_alerts_on_new_matching_projects(client, site_tree):
    user = UserFactory()
    client.force_login(user)
    # The link on the results page opens a confirmation with the current parameters.
    confirm = client.get(reverse("community:search_save") + "?q=lire&page=3")
    assert confirm.status_code == 200 and not SavedSearch.objects.exists()
    assert confirm.context["form"].initial["params"] == "q=lire"
    response = client.post(
        reverse("community:search_save"), {"params": "q=lire&page=3&bbox=2.2,48.8,2.5,48.9"}
    )
    saved = SavedSearch.objects.get(user=user)
    assert response.status_code == 302 and response["Location"].startswith("/projets/?")
    assert (
        "page=" not in saved.query_string and "bbox=2.2%2C48.8%2C2.5%2C48.9" in saved.query_string
    )
    # Saving the same state again does not duplicate it.
    client.post(reverse("community:search_save"), {"params": "bbox=2.2,48.8,2.5,48.9&q=lire"})
    assert SavedSearch.objects.filter(user=user).count() == 1
    SavedSearch.objects.filter(pk=saved.pk).update(
        last_checked_at=timezone.now() - timedelta(minutes=1)
    )
    inside = make_project(other_record())  # "Lire et faire lire", Paris 13e: in the box
    make_project(
        other_record(
            title="Lire à Lyon",
            source_id="lyon",
            postal_code="69001",
            city="Lyon 1er Arrondissement",
            insee_code="69381",
            latitude=45.7676,
            longitude=4.8344,
        )
    )  # matches the text but is outside the box
    assert tasks.check_saved_searches() == 1
    (notification,) = Notification.objects.filter(recipient=user, kind="search_match")
    assert notification.target == inside and notification.saved_search == saved
    assert tasks.check_saved_searches() == 0  # checked already: no duplicate
    assert tasks.send_digests("weekly") == 1
    assert "Lire et faire lire" in mail.outbox[-1].body
    assert "recherche" in mail.outbox[-1].body


def test_saved_search_describe_and_anonymous_save(client, site_tree):
    query, qs = searches.canonical("q=jardin&region=53")
    assert "« jardin »" in searches.describe(query) and "Bretagne" in searches.describe(query)
    response = client.post(reverse("community:search_save"), {"params": "q=jardin"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not SavedSearch.objects.exists()


def test_export_and_deletion_cover_follows_and_notifications(ffe_project):
    fan = UserFactory()
    _news_for_followers(ffe_project, fan)
    searches.save_search(fan, "q=emploi")
    data = services.export_account_data(fan)
    assert data["follows"][0]["title"] == ffe_project.title
    assert data["saved_searches"][0]["url"] == "/projets/?q=emploi"
    assert len(data["notifications"]["items"]) == 1
    pk = fan.pk
    services.delete_account(fan)
    assert not Follow.objects.filter(user_id=pk).exists()
    assert not Notification.objects.filter(recipient_id=pk).exists()
    assert not SavedSearch.objects.filter(user_id=pk).exists()
    assert not NotificationSettings.objects.filter(user_id=pk).exists()


def test_space_and_discussion_pages_have_follow_buttons(client, public_space, moderator):
    discussion = services.start_discussion(moderator, public_space, title="Vélos", body="Qui ?")
    client.force_login(UserFactory())
    space_url = reverse("community:follow", args=["espace", public_space.pk])
    assert space_url in client.get(public_space.get_absolute_url()).content.decode()
    html = client.get(discussion.get_absolute_url()).content.decode()
    assert reverse("community:follow", args=["discussion", discussion.pk]) in html
    client.force_login(moderator)  # the author follows their discussion already
    assert "Ne plus suivre" in client.get(discussion.get_absolute_url()).content.decode()


def test_a_bad_item_never_stops_the_sweep(public_space, moderator, monkeypatch):
    """A CR/LF in a discussion title made Django refuse the message (BadHeaderError) and the
    exception stopped the sweep for everyone: subjects are one line, and a delivery that fails
    for one member is logged and given back to the next run while the others are sent."""
    from smtplib import SMTPException

    author = UserFactory()
    fans = [UserFactory() for _ in range(3)]
    Membership.objects.create(space=public_space, user=author)
    for fan in fans:
        follow(fan, public_space)
        set_frequency(fan, NotificationSettings.Frequency.IMMEDIATE)
    services.start_discussion(author, public_space, title="Une camionnette", body="Partant ?")
    Notification.objects.filter(recipient__in=fans).update(
        title="Une camionnette\r\nBcc: victime@example.org"
    )
    real_send = emails.send_notification_email

    def failing_for_the_first(user, notifications, **kwargs):
        if user == fans[0]:
            raise SMTPException("mailbox unavailable")
        return real_send(user, notifications, **kwargs)

    monkeypatch.setattr(emails, "send_notification_email", failing_for_the_first)
    mail.outbox.clear()
    assert tasks.send_immediate() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f.email for f in fans[1:])
    for message in mail.outbox:
        assert "\r" not in message.subject and "\n" not in message.subject
        assert "Une camionnette Bcc: victime@example.org" in message.subject
        assert "victime@example.org" not in message.message().get("Bcc", "")
        assert message.recipients() == message.to
    # The failed member's notification is waiting for the next run, which sends it.
    assert Notification.objects.get(recipient=fans[0]).emailed_at is None
    monkeypatch.setattr(emails, "send_notification_email", real_send)
    assert tasks.send_immediate() == 1
    assert mail.outbox[-1].to == [fans[0].email]


def test_notifications_claimed_by_a_killed_delivery_go_to_the_retry(ffe_project, monkeypatch):
    """Killed between claiming and sending (a worker killed mid-task): the claim is given back
    once it is older than a task may run, and the retry e-mails it, once."""
    fan = UserFactory()
    _news_for_followers(ffe_project, fan)
    mail.outbox.clear()
    tasks._claim(fan, Notification.objects.all())  # ... and the worker dies here
    assert Notification.objects.filter(recipient=fan, emailed_at__isnull=True).count() == 0
    assert tasks.send_digests("weekly") == 0  # an overlapping run leaves the claim alone
    later = timezone.now() + tasks._claim_stale_after() + timedelta(minutes=1)
    monkeypatch.setattr(tasks.timezone, "now", lambda: later)
    assert tasks.send_digests("weekly") == 1
    assert len(mail.outbox) == 1 and "Portes ouvertes" in mail.outbox[0].body
    assert tasks.send_digests("weekly", now=later + timedelta(days=7)) == 0
    assert not Notification.objects.filter(email_batch__startswith=tasks.CLAIMED).exists()
