"""Notification e-mails: rendering, one-click unsubscribe tokens and RFC 8058 headers.

Unsubscribe links carry a signed token (user id + scope), so they work without logging in and
cannot be forged or pointed at someone else. Scopes: "email" (no more notification e-mails),
"follow:<id>" (stop following one thing), "search:<id>" (stop a saved search's alerts).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from catalogue import site_url
from catalogue.sanitise import one_line

UNSUBSCRIBE_SALT = "community.unsubscribe"


def base_url() -> str:
    """Where links point: the request being served, else BASE_URL or the Wagtail Site."""
    return site_url.base_url()


def absolute(url: str) -> str:
    return site_url.absolute(url)


def unsubscribe_token(user, scope: str = "email") -> str:
    return signing.dumps({"u": user.pk, "s": scope}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"], str(data.get("s", "email"))


def unsubscribe_url(user, scope: str = "email") -> str:
    return absolute(reverse("community:unsubscribe", args=[unsubscribe_token(user, scope)]))


def subject_line(subject: str) -> str:
    """The prefixed subject on one line: a CR/LF (a discussion titled across two lines) makes
    Django refuse the whole message (BadHeaderError)."""
    return one_line(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}")[:250]


def list_unsubscribe_headers(user) -> dict[str, str]:
    """RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to the URL."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, 'email')}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def send_notification_email(user, notifications, *, digest: str = "") -> int:
    """One e-mail listing `notifications` (a digest when `digest` is "daily"/"weekly")."""
    items = []
    for notification in notifications:
        unfollow = ""
        if notification.follow_id:
            unfollow = unsubscribe_url(user, f"follow:{notification.follow_id}")
        elif notification.saved_search_id:
            unfollow = unsubscribe_url(user, f"search:{notification.saved_search_id}")
        items.append(
            {"notification": notification, "url": absolute(notification.url), "stop": unfollow}
        )
    context = {
        "user": user,
        "items": items,
        "digest": digest,
        "site_url": base_url(),
        "site_name": site_url.site_name(),
        "notifications_url": absolute(reverse("community:notifications")),
        "preferences_url": absolute(reverse("community:notification_settings")),
        "unsubscribe_url": unsubscribe_url(user, "email"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if digest == "daily":
            subject = "Votre résumé du jour sur le Carrefour"
        elif digest == "weekly":
            subject = "Votre résumé de la semaine sur le Carrefour"
        elif len(items) == 1:
            subject = items[0]["notification"].title
        else:
            subject = f"{len(items)} nouvelles notifications sur le Carrefour"
        text = render_to_string("community/emails/notifications.txt", context)
        html = render_to_string("community/emails/notifications.html", context)
    message = EmailMultiAlternatives(
        subject=subject_line(subject),
        body=text,
        to=[user.email],
        headers=list_unsubscribe_headers(user),
    )
    message.attach_alternative(html, "text/html")
    return message.send()


def send_plain_email(to, subject: str, template: str, context: dict) -> int:
    """A short service message (claim decisions, new claims for reviewers)."""
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            template, {**context, "site_url": base_url(), "site_name": site_url.site_name()}
        )
    message = EmailMultiAlternatives(
        subject=subject_line(subject),
        body=body,
        to=list(to),
    )
    return message.send()
