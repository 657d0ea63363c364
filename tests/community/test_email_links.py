"""Every kind of e-mail, sent by a live server on a random port, links to that very server.

Sign-up confirmation and password reset (allauth), a claim for the reviewers, the claim's
decision, the Wagtail workflow's notifications of a holder's edit, a digest with its one-click
unsubscribe: each link is opened on the live server (200 or a redirect). The e-mails greet by
display name, sign with the site's name and, with the French interface, say nothing in English
(no "Moderators approval", no Wagtail "Salut admin").
"""

import re

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from catalogue import services
from catalogue.models import ProjectPage
from community import holders
from community.models import Notification, ProjectClaim
from tests.catalogue.factories import make_project
from tests.community.factories import make_editor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
LINK = re.compile(r"https?://[^\s\"'<>]+")
SITE_NAME = "Carrefour des innovations sociales"


class Visitor:
    """A `requests` session on the live server that fills in Django's CSRF token."""

    def __init__(self, base, user=None):
        self.base = base
        self.http = requests.Session()
        if user is not None:
            client = Client()
            client.force_login(user)
            self.http.cookies.set("sessionid", client.cookies["sessionid"].value)

    def post_form(self, path, data):
        form = self.http.get(self.base + path, timeout=20)
        assert form.status_code == 200, (path, form.status_code)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        response = self.http.post(
            self.base + path,
            {**data, "csrfmiddlewaretoken": token},
            headers={"Referer": self.base + path},
            allow_redirects=False,
            timeout=20,
        )
        assert response.status_code in (200, 302), (path, response.status_code)
        return response

    def opens(self, url):
        response = self.http.get(url, allow_redirects=False, timeout=20)
        return response.status_code


def links_of(message):
    bodies = [message.body] + [content for content, _type in getattr(message, "alternatives", [])]
    return sorted({link.rstrip(".,;)") for body in bodies for link in LINK.findall(body)})


def assert_links_open(message, visitor, base):
    links = links_of(message)
    assert links, message.body
    for link in links:
        assert link == base or link.startswith(base + "/"), (message.subject, link)
        assert visitor.opens(link) in (200, 302), (message.subject, link)


def outbox_since(start):
    return mail.outbox[start:]


def test_every_email_links_to_the_server_that_sent_it(live_server, settings):
    base = live_server.url
    # `make run` sets BASE_URL to where it serves: the site tree's Site follows it, and jobs
    # without a request (decisions taken in the admin's services, digests) link there.
    settings.BASE_URL = base
    services.ensure_site_tree()
    settings.BASE_URL = ""
    project = make_project()
    reviewer = make_editor()
    reviewer.profile.display_name = "Rédaction du Carrefour"
    reviewer.profile.save()
    anonymous = Visitor(base)

    # 1. Sign-up: allauth's confirmation greets by display name, signs with the site's name.
    anonymous.post_form(
        "/comptes/signup/",
        {
            "display_name": "Camille Martin",
            "email": "camille@lacravatesolidaire.org",
            "password1": "une-phrase-de-passe-42",
            "password2": "une-phrase-de-passe-42",
        },
    )
    (confirmation,) = mail.outbox
    assert "Bonjour Camille Martin," in confirmation.body
    assert SITE_NAME in confirmation.body
    assert "c'est" not in confirmation.body and "camille.martin" not in confirmation.body
    assert "127.0.0.1:" not in confirmation.body.split(base)[0]  # never the host as a name
    assert_links_open(confirmation, anonymous, base)
    member = get_user_model().objects.get(email="camille@lacravatesolidaire.org")
    (confirm,) = [link for link in links_of(confirmation) if "/confirm-email/" in link]
    anonymous.post_form(confirm.removeprefix(base), {})
    assert member.emailaddress_set.get().verified

    # 2. Password reset.
    start = len(mail.outbox)
    Visitor(base).post_form("/comptes/password/reset/", {"email": member.email})
    (reset,) = outbox_since(start)
    assert "Bonjour Camille Martin," in reset.body
    assert_links_open(reset, Visitor(base), base)

    # 3. A claim: the reviewers are told, with the admin queue's address on this server.
    holder = Visitor(base, member)
    staff = Visitor(base, reviewer)
    start = len(mail.outbox)
    holder.post_form(f"/projets/{project.pk}/revendiquer/", {"role": "présidente"})
    (claim_mail,) = [m for m in outbox_since(start) if reviewer.email in m.to]
    assert "Camille Martin demande à devenir porteur" in claim_mail.body
    assert_links_open(claim_mail, staff, base)

    # 4. The decision, taken without a request (a service call): links from the Site.
    start = len(mail.outbox)
    holders.decide_claim(reviewer, ProjectClaim.objects.get(user=member), approve=True)
    (decision,) = [m for m in outbox_since(start) if member.email in m.to]
    assert "Bonjour Camille Martin," in decision.body
    assert_links_open(decision, holder, base)

    # 5. The holder's edit goes to the Wagtail workflow: moderators get Wagtail's e-mail, in
    # French, with the workflow's French name, greeted by display name.
    settings.HOLDER_EDITS_PUBLISH_IMMEDIATELY = False
    start = len(mail.outbox)
    page = ProjectPage.objects.get(pk=project.pk)
    holder.post_form(
        f"/projets/{page.pk}/modifier/",
        {
            "summary": "Des tenues professionnelles pour retrouver un emploi.",
            "description": page.description,
            "website": page.website,
            "contact_email": page.contact_email,
            "contact_phone": page.contact_phone,
            "codes": [c.code for c in page.codes.all()],
            "address": page.address,
            "postal_code": page.postal_code,
            "city": page.city,
            "stage": page.stage,
        },
    )
    submitted = [m for m in outbox_since(start) if reviewer.email in m.to]
    assert submitted, [m.subject for m in outbox_since(start)]
    for message in submitted:
        text = message.subject + message.body
        assert "relecture par la rédaction" in text or "validation par les modérateurs" in text
        assert "Moderators" not in text and "approval" not in text
        assert "Salut" not in text and "Hello" not in text
        assert "Bonjour Rédaction du Carrefour," in message.body
        assert_links_open(message, staff, base)

    # 6. The moderator approves (no request): the holder hears it, links on this server.
    start = len(mail.outbox)
    page.refresh_from_db()
    task_state = page.current_workflow_task_state
    task_state.task.specific.on_action(task_state.specific, reviewer, "approve")
    approved = [m for m in outbox_since(start) if member.email in m.to]
    assert approved, [m.subject for m in outbox_since(start)]
    for message in approved:
        assert "Moderators" not in message.subject + message.body
        assert_links_open(message, holder, base)

    # 7. A digest (a background job): every link, the one-click unsubscribe included.
    Notification.objects.filter(recipient=member).update(emailed_at=None, email_batch="")
    from community.tasks import send_digests

    start = len(mail.outbox)
    assert send_digests("weekly") >= 1
    (digest,) = [m for m in outbox_since(start) if member.email in m.to]
    assert "Bonjour Camille Martin," in digest.body and SITE_NAME in digest.body
    unsubscribe = digest.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(base + "/")
    assert_links_open(digest, Visitor(base), base)

    # 8. A member writes to the holder through the site, the holder answers: both e-mails greet
    # by display name, link to this server and never show the other side's address.
    from community.models import Conversation
    from tests.community.factories import make_user

    curious = make_user("curieuse", "curieuse.privee@example.org")
    curious.profile.display_name = "Inès Curieuse"
    curious.profile.save()
    writer = Visitor(base, curious)
    start = len(mail.outbox)
    writer.post_form(
        f"/projets/{project.pk}/contacter/",
        {"subject": "Une question", "body": "Comment avez-vous commencé ?"},
    )
    (to_holder,) = [m for m in outbox_since(start) if member.email in m.to]
    assert "Bonjour Camille Martin," in to_holder.body and "Inès Curieuse" in to_holder.body
    assert curious.email not in to_holder.message().as_string()
    assert_links_open(to_holder, holder, base)
    conversation = Conversation.objects.get(sender=curious)
    start = len(mail.outbox)
    holder.post_form(conversation.get_absolute_url(), {"body": "Avec trois bénévoles."})
    (to_sender,) = [m for m in outbox_since(start) if curious.email in m.to]
    assert "Bonjour Inès Curieuse," in to_sender.body
    assert member.email not in to_sender.message().as_string()
    assert_links_open(to_sender, writer, base)
