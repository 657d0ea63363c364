"""Contacting a project's holders through the site, without either side's e-mail address.

- `can_contact(user, page)` / `contactable(page)`: who may write, and to which pages (live,
  public, claimed);
- `start(sender, page, subject, body)` opens a conversation, `reply(user, conversation, body)`
  answers in it; both deliver the message to the other side: an in-site notification and an
  e-mail (French, text + HTML) sent from the site's address;
- the e-mail's Reply-To is the relay (`CONTACT_RELAY_ADDRESS`, e.g. ``reponses@example.org``
  gives ``reponses+<token>@example.org``) when one is configured: the mail server pipes what
  it receives there to ``manage.py receive_contact_reply``, which posts it in the conversation
  (`receive_email`) once the token and the sender's address check out. Without a relay the
  e-mail has no Reply-To to a person: answers are written on the site;
- `report(user, message, reason)` sends a message to the editors' moderation queue,
  `moderate(editor, message, action)` hides it or dismisses the report.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.utils import getaddresses

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from catalogue import site_url
from catalogue.sanitise import clean_control

from . import emails, holders, notify, permissions
from .models import ContactMessage, Conversation, Notification, NotificationSettings
from .models.accounts import display_name_for

RELAY_SALT = "community.contact.relay"
EMAIL_BATCH = "contact"
MAX_BODY = 4000
MAX_SUBJECT = 160


# --- who may write to whom ------------------------------------------------------------------


def is_public_project(page) -> bool:
    return bool(page.live) and not page.get_view_restrictions().exists()


def contactable(page) -> bool:
    """A live, public project page with at least one approved holder."""
    return is_public_project(page) and bool(holders.holders_of(page))


def can_contact(user, page) -> bool:
    return (
        permissions.is_verified_member(user)
        and contactable(page)
        and not permissions.is_project_holder(user, page)
    )


def is_participant(user, conversation) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.pk == conversation.sender_id or permissions.is_project_holder(
        user, conversation.project
    )


def conversations_of(user):
    """The member's conversations: those they opened, those about the projects they hold."""
    from django.db.models import Q

    from .models import ProjectClaim

    held = ProjectClaim.objects.approved().filter(user=user).values("project_id")
    return (
        Conversation.objects.filter(Q(sender=user) | Q(project_id__in=held))
        .select_related("project", "sender__profile")
        .distinct()
    )


def recipients(conversation, author):
    """Everyone on the other side of `author`: the sender, or the page's current holders."""
    people = [conversation.sender, *holders.holders_of(conversation.project)]
    seen, out = set(), []
    for person in people:
        if person.pk != getattr(author, "pk", None) and person.pk not in seen and person.is_active:
            seen.add(person.pk)
            out.append(person)
    return out


# --- writing ----------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = clean_control(body or "").strip()
    if not body:
        raise ValidationError(_("Écrivez votre message."), code="empty")
    if len(body) > MAX_BODY:
        raise ValidationError(
            _("Votre message dépasse %(max)s caractères.") % {"max": MAX_BODY}, code="long"
        )
    return body


@transaction.atomic
def start(sender, page, subject: str, body: str) -> Conversation:
    if not can_contact(sender, page):
        raise PermissionDenied
    # One line (CR/LF never reach a header), kept as typed: every rendering escapes it.
    subject = " ".join(clean_control(subject or "").split())[:MAX_SUBJECT]
    if not subject:
        raise ValidationError(_("Donnez un objet à votre message."), code="empty")
    conversation = Conversation.objects.create(project=page, sender=sender, subject=subject)
    _post(conversation, sender, _clean_body(body), ContactMessage.Via.SITE)
    return conversation


@transaction.atomic
def reply(user, conversation, body: str, *, via=ContactMessage.Via.SITE) -> ContactMessage:
    if not is_participant(user, conversation):
        raise PermissionDenied
    return _post(conversation, user, _clean_body(body), via)


def _post(conversation, author, body, via) -> ContactMessage:
    message = ContactMessage.objects.create(
        conversation=conversation, author=author, body=body, via=via
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    for person in recipients(conversation, author):
        deliver(message, person)
    return message


def deliver(message, recipient) -> None:
    """An in-site notification, and an e-mail unless the member wants none."""
    conversation = message.conversation
    name = display_name_for(message.author)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Message de %(name)s : %(subject)s") % {
            "name": name,
            "subject": conversation.subject,
        }
    notification = notify.notify(
        recipient,
        Notification.Kind.CONTACT_MESSAGE,
        title=title,
        url=conversation.get_absolute_url(),
        body=message.body[:300],
        target=conversation,
        actor=message.author,
        dedupe_key=f"contact:{message.pk}",
    )
    if notification is None:
        return
    # This e-mail is sent here (with its own Reply-To), never again by the digests.
    Notification.objects.filter(pk=notification.pk).update(
        emailed_at=timezone.now(), email_batch=EMAIL_BATCH
    )
    row = NotificationSettings.objects.filter(user=recipient).first()
    if row is None or row.frequency != NotificationSettings.Frequency.NEVER:
        transaction.on_commit(lambda: send_message_email(message, recipient))


# --- e-mail and the relay ---------------------------------------------------------------------


def relay_token(conversation_id: int, user_id: int) -> str:
    sig = salted_hmac(RELAY_SALT, f"{conversation_id}:{user_id}").hexdigest()[:20]
    return f"{conversation_id}-{user_id}-{sig}"


def read_relay_token(token: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d{1,12})-(\d{1,12})-([0-9a-f]{20})", token or "")
    if not match:
        return None
    cid, uid = int(match[1]), int(match[2])
    if not constant_time_compare(relay_token(cid, uid), token):
        return None
    return cid, uid


def relay_address(conversation, user) -> str:
    """The Reply-To of the e-mails `user` receives about `conversation` ("" without relay)."""
    relay = getattr(settings, "CONTACT_RELAY_ADDRESS", "")
    if not relay or "@" not in relay:
        return ""
    local, domain = relay.rsplit("@", 1)
    return f"{local}+{relay_token(conversation.pk, user.pk)}@{domain}"


def send_message_email(message, recipient) -> int:
    conversation = message.conversation
    reply_to = relay_address(conversation, recipient)
    context = {
        "recipient_name": display_name_for(recipient),
        "author_name": display_name_for(message.author),
        "to_holder": recipient.pk != conversation.sender_id,
        "project": conversation.project,
        "project_url": emails.absolute(conversation.project.url or ""),
        "subject": conversation.subject,
        "message": message,
        "conversation_url": emails.absolute(conversation.get_absolute_url()),
        "relay": bool(reply_to),
        "site_url": emails.base_url(),
        "site_name": site_url.site_name(),
        "preferences_url": emails.absolute(reverse("community:notification_settings")),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("« %(subject)s » — message au sujet de %(project)s") % {
            "subject": conversation.subject,
            "project": conversation.project.title,
        }
        text = render_to_string("community/emails/contact_message.txt", context)
        html = render_to_string("community/emails/contact_message.html", context)
    mail = EmailMultiAlternatives(
        subject=emails.subject_line(subject),
        body=text,
        to=[recipient.email],
        reply_to=[reply_to] if reply_to else None,
        headers=emails.list_unsubscribe_headers(recipient),
    )
    mail.attach_alternative(html, "text/html")
    return mail.send()


_QUOTE_START = re.compile(
    r"^(>|-- ?$|-----\s*(Original|Message d'origine)|Le .{5,200} a écrit ?:|On .{5,200} wrote:)",
    re.IGNORECASE,
)


def reply_text(raw_text: str) -> str:
    """The new text of an e-mail answer: what comes before the quoted message or signature."""
    kept = []
    for line in (raw_text or "").replace("\r\n", "\n").split("\n"):
        if _QUOTE_START.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _token_in(mail) -> str:
    relay = getattr(settings, "CONTACT_RELAY_ADDRESS", "")
    local, _at, domain = relay.rpartition("@")
    headers = [str(mail.get(name, "")) for name in ("To", "Cc", "Delivered-To", "X-Original-To")]
    for _name, address in getaddresses(headers):
        box, _sep, host = address.rpartition("@")
        prefix, plus, token = box.partition("+")
        if plus and prefix.lower() == local.lower() and host.lower() == domain.lower():
            return token
    return ""


def _reply_allowed(user) -> bool:
    """Answers by e-mail draw from the member's ``contact_reply`` allowance, as in the site."""
    from allauth.core import ratelimit
    from django.http import HttpRequest

    request = HttpRequest()
    request.method = "POST"
    request.user = user
    return ratelimit.consume(request, action="contact_reply", user=user)


def receive_email(raw: bytes) -> ContactMessage:
    """Post an e-mail answer received at the relay (ValueError says why it is refused)."""
    from allauth.account.models import EmailAddress

    mail = email.message_from_bytes(raw, policy=email.policy.default)
    found = read_relay_token(_token_in(mail))
    if found is None:
        raise ValueError("no valid relay token")
    conversation = Conversation.objects.select_related("project").filter(pk=found[0]).first()
    user = EmailAddress.objects.filter(user_id=found[1]).select_related("user").first()
    if conversation is None or user is None:
        raise ValueError("unknown conversation or member")
    user = user.user
    senders = [address.lower() for _n, address in getaddresses([str(mail.get("From", ""))])]
    known = {
        e.lower()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }
    if not senders or senders[0] not in known:
        raise ValueError("the sender is not the member the address was given to")
    if not _reply_allowed(user):
        raise ValueError("too many answers from this member (contact_reply rate limit)")
    part = mail.get_body(preferencelist=("plain",))
    text = reply_text(part.get_content() if part is not None else "")
    try:
        return reply(user, conversation, text, via=ContactMessage.Via.EMAIL)
    except (PermissionDenied, ValidationError) as err:
        raise ValueError(f"refused: {err}") from err


# --- reports and moderation -------------------------------------------------------------------


def can_report(user, message) -> bool:
    return (
        is_participant(user, message.conversation)
        and message.author_id != user.pk
        and message.status == ContactMessage.Status.VISIBLE
    )


def report(user, message, reason: str = "") -> None:
    if not can_report(user, message):
        raise PermissionDenied
    message.status = ContactMessage.Status.REPORTED
    message.reported_by = user
    message.reported_at = timezone.now()
    message.report_reason = " ".join(clean_control(reason or "").split())[:500]
    message.save(update_fields=["status", "reported_by", "reported_at", "report_reason"])


MODERATION_ACTIONS = {
    "hide": ContactMessage.Status.HIDDEN,
    "dismiss": ContactMessage.Status.VISIBLE,
}


def moderate(editor, message, action: str) -> None:
    if not permissions.is_editor(editor) or action not in MODERATION_ACTIONS:
        raise PermissionDenied
    message.status = MODERATION_ACTIONS[action]
    message.decided_by = editor
    message.decided_at = timezone.now()
    message.save(update_fields=["status", "decided_by", "decided_at"])
