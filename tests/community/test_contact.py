"""Contacting a project's holders: on real harvested records (the FFE laureates), with the
permissions (anonymous, non-member, holder, private page, no holder), bad and hostile input,
the rate limit, the relay, reports and moderation — and never an e-mail address leaked."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import PageViewRestriction

from community import contact
from community.models import ContactMessage, Conversation, Notification, NotificationSettings
from tests.hostile import ALL_PAYLOADS, MARK, PAYLOADS, active_markup

from .factories import approve, make_user

pytestmark = pytest.mark.django_db

HOLDER_EMAIL = "marie.secret@lacravatesolidaire.org"
SENDER_EMAIL = "alex.prive@example.org"


@pytest.fixture
def holder(ffe_project):
    user = make_user("marie", HOLDER_EMAIL)
    user.profile.display_name = "Marie Porteuse"
    user.profile.save()
    approve(user, ffe_project)
    return user


@pytest.fixture
def sender(db):
    user = make_user("alex", SENDER_EMAIL)
    user.profile.display_name = "Alex Curieux"
    user.profile.save()
    return user


def _url(page):
    return reverse("community:contact_holder", args=[page.pk])


def _send(client, page, subject="Une question", body="Bonjour, comment avez-vous commencé ?"):
    return client.post(_url(page), {"subject": subject, "body": body})


def _no_address(text, *addresses):
    for address in addresses:
        assert address not in text, f"{address} leaked"


def test_anonymous_is_sent_to_log_in(client, ffe_project, holder):
    response = client.get(_url(ffe_project))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    response = _send(client, ffe_project)
    assert response.status_code == 302 and not Conversation.objects.exists()
    page = client.get(ffe_project.url).content.decode()
    assert "Connectez-vous pour écrire aux porteurs du projet" in page
    _no_address(page, HOLDER_EMAIL)


def test_member_writes_holder_answers_in_site_sender_sees_answer(
    client, ffe_project, holder, sender, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    page = client.get(ffe_project.url).content.decode()
    assert "data-contact-form" in page
    _no_address(page, HOLDER_EMAIL)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, ffe_project)
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response["Location"] == conversation.get_absolute_url()
    # The holder is told in the site and by e-mail, in French, text + HTML, no address leaked.
    note = Notification.objects.get(recipient=holder, kind="contact_message")
    assert note.url == conversation.get_absolute_url()
    (sent,) = mail.outbox
    assert sent.to == [HOLDER_EMAIL] and "Alex Curieux vous écrit" in sent.body
    assert sent.alternatives and sent.alternatives[0][1] == "text/html"
    whole = sent.message().as_string()
    _no_address(whole, SENDER_EMAIL)
    assert "Reply-To" not in sent.extra_headers and not sent.reply_to  # no relay configured
    # The holder reads and answers in the site.
    client.force_login(holder)
    inbox = client.get(reverse("community:inbox")).content.decode()
    assert "Une question" in inbox
    _no_address(inbox, SENDER_EMAIL)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(conversation.get_absolute_url(), {"body": "Avec trois bénévoles."})
    assert response.status_code == 302
    (answer,) = mail.outbox
    assert answer.to == [SENDER_EMAIL] and "Marie Porteuse vous répond" in answer.body
    _no_address(answer.message().as_string(), HOLDER_EMAIL)
    assert Notification.objects.filter(recipient=sender, kind="contact_message").exists()
    # The sender sees it; nobody's address in the thread.
    client.force_login(sender)
    thread = client.get(conversation.get_absolute_url()).content.decode()
    assert "Avec trois bénévoles." in thread
    _no_address(thread, HOLDER_EMAIL, SENDER_EMAIL)


def test_digests_do_not_send_the_message_again(client, ffe_project, holder, sender):
    from community import tasks

    client.force_login(sender)
    _send(client, ffe_project)
    mail.outbox.clear()
    tasks.deliver(holder, digest="weekly")
    assert not any("Une question" in sent.subject for sent in mail.outbox)
    note = Notification.objects.get(recipient=holder, kind="contact_message")
    assert note.email_batch == contact.EMAIL_BATCH and note.emailed_at is not None


def test_no_email_when_member_wants_none(
    client, ffe_project, holder, sender, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(user=holder, frequency="never")
    client.force_login(sender)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _send(client, ffe_project)
    assert mail.outbox == [] and Notification.objects.filter(recipient=holder).exists()


def test_project_without_holder_cannot_be_written_to(client, ffe_project, sender):
    client.force_login(sender)
    response = client.get(_url(ffe_project))
    assert response.status_code == 404
    text = response.content.decode()
    assert "Ce projet n'a pas de porteur inscrit" in text
    response = _send(client, ffe_project)
    assert response.status_code == 404 and not Conversation.objects.exists()
    # The page shows how to reach it: its page at the partner that lists it, its website.
    page = client.get(ffe_project.url).content.decode()
    assert "Ce projet n'a pas encore de porteur inscrit" in page
    assert "https://lacravatesolidaire.org/" in page


def test_unclaimed_project_links_its_partner_page(client, site_tree):
    from tests.catalogue.factories import make_project, other_record

    origin = "https://www.fondation-entreprendre.org/laureats/lire-et-faire-lire"
    page = make_project(other_record(source_url=origin))
    html = client.get(page.url).content.decode()
    assert "Ce projet n'a pas encore de porteur inscrit" in html
    assert f'href="{origin}"' in html and "Sa fiche chez" in html
    assert "Connectez-vous pour écrire" not in html


def test_private_or_unpublished_project_is_not_found(client, ffe_project, holder, sender):
    client.force_login(sender)
    PageViewRestriction.objects.create(page=ffe_project, restriction_type="password", password="x")
    assert client.get(_url(ffe_project)).status_code == 404
    assert _send(client, ffe_project).status_code == 404
    assert client.get(reverse("community:contact_holder", args=[999999])).status_code == 404


def test_unverified_member_and_holder_themselves(client, ffe_project, holder):
    unverified = make_user("nouveau", "nouveau@example.org", verified=False)
    client.force_login(unverified)
    assert _send(client, ffe_project).status_code == 403
    client.force_login(holder)
    response = client.get(_url(ffe_project))
    assert response.status_code == 302 and response["Location"] == reverse("community:inbox")
    assert not Conversation.objects.exists()


def test_only_participants_see_a_conversation(client, ffe_project, holder, sender):
    client.force_login(sender)
    _send(client, ffe_project)
    conversation = Conversation.objects.get()
    stranger = make_user("curieux", "curieux@example.org")
    client.force_login(stranger)
    assert client.get(conversation.get_absolute_url()).status_code == 404
    assert client.post(conversation.get_absolute_url(), {"body": "Intrus"}).status_code == 404
    message = conversation.messages.get()
    report = reverse("community:message_report", args=[conversation.pk, message.pk])
    assert client.post(report).status_code == 404
    assert "Une question" not in client.get(reverse("community:inbox")).content.decode()
    client.logout()
    response = client.get(conversation.get_absolute_url())
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_revoked_holder_loses_the_thread(client, ffe_project, holder, sender):
    client.force_login(sender)
    _send(client, ffe_project)
    conversation = Conversation.objects.get()
    holder.project_claims.update(status="revoked")
    client.force_login(holder)
    assert client.get(conversation.get_absolute_url()).status_code == 404
    # Its notification no longer leads there.
    from community import notify

    note = Notification.objects.get(recipient=holder, kind="contact_message")
    assert not notify.still_relevant(note, holder)


@pytest.mark.parametrize(
    "data",
    [
        {"subject": "", "body": "Bonjour"},
        {"subject": "Objet", "body": ""},
        {"subject": "Objet", "body": "   \x00\x01  "},
        {"subject": "x" * 161, "body": "Bonjour"},
        {"subject": "Objet", "body": "x" * 4001},
        {},
    ],
)
def test_bad_input_is_refused(client, ffe_project, holder, sender, data):
    client.force_login(sender)
    response = client.post(_url(ffe_project), data)
    assert response.status_code == 200 and "form-errors" in response.content.decode()
    assert not Conversation.objects.exists()


def test_hostile_subject_and_body_are_escaped(
    client, ffe_project, holder, sender, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    subject = f"Objet\r\nBcc: victime@example.org\r\n{PAYLOADS[0]}"[:160]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, ffe_project, subject=subject, body=ALL_PAYLOADS)
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert "\n" not in conversation.subject and "\r" not in conversation.subject
    (sent,) = mail.outbox
    message = sent.message()
    assert message["Bcc"] is None and "victime@example.org" not in (message["To"] or "")
    assert "\n" not in sent.subject
    assert active_markup(sent.alternatives[0][0]) == []
    for user in (sender, holder):
        client.force_login(user)
        for url in (conversation.get_absolute_url(), reverse("community:inbox")):
            html = client.get(url).content.decode()
            assert MARK in html and active_markup(html) == [], url
    # The moderation queue shows it escaped too.
    message = conversation.messages.get()
    contact.report(holder, message, f"{PAYLOADS[1]}\r\nspam")
    editor = make_user("redac", "redac@carrefour.example", is_staff=True, is_superuser=True)
    client.force_login(editor)
    html = client.get(reverse("community_moderation_admin") + "?onglet=messages").content.decode()
    assert MARK in html and active_markup(html) == []


def test_rate_limit_per_sender(client, ffe_project, holder, sender, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "contact_holder": "2/h/user"}
    client.force_login(sender)
    assert _send(client, ffe_project).status_code == 302
    assert _send(client, ffe_project).status_code == 302
    response = _send(client, ffe_project)
    assert response.status_code == 429 and "beaucoup de messages" in response.content.decode()
    assert Conversation.objects.count() == 2
    # Another member has their own allowance.
    client.force_login(make_user("autre", "autre@example.org"))
    assert _send(client, ffe_project).status_code == 302


def test_report_goes_to_moderation_and_editor_hides(client, ffe_project, holder, sender):
    client.force_login(sender)
    _send(client, ffe_project, body="Achetez mes montres !")
    conversation = Conversation.objects.get()
    message = conversation.messages.get()
    report = reverse("community:message_report", args=[conversation.pk, message.pk])
    # The author cannot report their own message.
    client.post(report, {"reason": "moi"})
    message.refresh_from_db()
    assert message.status == "visible"
    client.force_login(holder)
    client.post(report, {"reason": "Publicité"})
    message.refresh_from_db()
    assert message.status == "reported" and message.reported_by == holder
    # Members cannot reach the queue; an editor sees it and hides the message.
    queue = reverse("community_moderation_admin")
    assert client.get(queue + "?onglet=messages").status_code in (302, 403)
    editor = make_user("redac", "redac@carrefour.example", is_staff=True, is_superuser=True)
    client.force_login(editor)
    html = client.get(queue + "?onglet=messages").content.decode()
    assert "Achetez mes montres" in html and "Publicité" in html
    client.post(queue, {"message": message.pk, "action": "hide"})
    message.refresh_from_db()
    assert message.status == "hidden" and message.decided_by == editor
    client.force_login(sender)
    thread = client.get(conversation.get_absolute_url()).content.decode()
    assert "Achetez mes montres" not in thread and "masqué par la modération" in thread


def _inbound(to, sender, text, subject="Re: question"):
    return (
        f"From: Someone <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{text}\r\n\r\nLe 2 déc. 2026, Carrefour a écrit :\r\n> Bonjour, comment ?\r\n"
    ).encode()


def test_relay_reply_by_email(
    client, ffe_project, holder, sender, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    settings.CONTACT_RELAY_ADDRESS = "reponses@carrefour.example"
    client.force_login(sender)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _send(client, ffe_project)
    conversation = Conversation.objects.get()
    (sent,) = mail.outbox
    (reply_to,) = sent.reply_to
    assert reply_to.startswith("reponses+") and reply_to.endswith("@carrefour.example")
    _no_address(sent.message().as_string(), SENDER_EMAIL)
    # A forged token, or the right token from another address, is refused.
    forged = reply_to.replace(reply_to.split("-")[-1].split("@")[0], "0" * 20)
    for to, frm in ((forged, HOLDER_EMAIL), (reply_to, "intrus@example.org")):
        with pytest.raises(ValueError):
            contact.receive_email(_inbound(to, frm, "Bonjour"))
    # The holder's answer by e-mail lands in the thread, quoted text cut off.
    import io
    import sys

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "contact_reply": "1/h/user"}
    raw = _inbound(reply_to, HOLDER_EMAIL, "Merci, on se parle jeudi.")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        call_command("receive_contact_reply")
    answer = conversation.messages.last()
    assert answer.author == holder and answer.via == "email"
    assert answer.body == "Merci, on se parle jeudi."
    assert ContactMessage.objects.count() == 2
    # Answers by e-mail draw from the same per-member allowance as in the site.
    with pytest.raises(ValueError, match="rate limit"):
        contact.receive_email(_inbound(reply_to, HOLDER_EMAIL, "Encore un mot."))
    assert ContactMessage.objects.count() == 2
