"""What the claims, follows, notifications and saved searches hold about a member, for the
personal data export (`community.services.export_section`). Account deletion needs nothing
more: these rows cascade with the user (news stay on the project, without their author)."""

from .services import export_section


def _iso(value):
    return value.isoformat() if value else None


@export_section("project_claims")
def export_claims(user):
    return [
        {
            "project": claim.project.title,
            "url": claim.project.url,
            "role": claim.role,
            "message": claim.message,
            "status": claim.status,
            "matching_email": claim.matching_email,
            "created_at": _iso(claim.created_at),
            "decided_at": _iso(claim.decided_at),
            "decision_note": claim.decision_note,
        }
        for claim in user.project_claims.select_related("project")
    ]


@export_section("project_news")
def export_news(user):
    from .models import ProjectNews

    return [
        {
            "project": news.project.title,
            "title": news.title,
            "body": news.body,
            "link": news.link,
            "created_at": _iso(news.created_at),
        }
        for news in ProjectNews.objects.filter(author=user).select_related("project")
    ]


@export_section("follows")
def export_follows(user):
    from . import permissions
    from .models import Space

    rows = []
    for follow in user.community_follows.select_related("target_type"):
        target = follow.target
        if target is None:
            continue
        space = target if isinstance(target, Space) else getattr(target, "space", None)
        visible = space is None or permissions.can_view_space(user, space)
        rows.append(
            {
                "kind": follow.kind,
                "title": str(getattr(target, "title", None) or target) if visible else None,
                "since": _iso(follow.created_at),
            }
        )
    return rows


@export_section("notifications")
def export_notifications(user):
    from .models import Notification, NotificationSettings

    settings_row = NotificationSettings.objects.filter(user=user).first()
    return {
        "frequency": settings_row.frequency if settings_row else "weekly",
        "items": [
            {
                "title": n.title,
                "url": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
                "emailed_at": _iso(n.emailed_at),
            }
            for n in Notification.objects.visible_to(user)[:1000]
        ],
    }


@export_section("saved_searches")
def export_saved_searches(user):
    return [
        {
            "name": s.name,
            "url": s.get_absolute_url(),
            "alerts": s.notify,
            "created_at": _iso(s.created_at),
        }
        for s in user.saved_searches.all()
    ]


@export_section("contact_messages")
def export_contact_messages(user):
    """The messages the member wrote to project holders or as a holder (not the others')."""
    from .models import ContactMessage

    return [
        {
            "conversation": m.conversation.subject,
            "project": m.conversation.project.title,
            "body": m.body,
            "via": m.via,
            "status": m.status,
            "created_at": _iso(m.created_at),
        }
        for m in ContactMessage.objects.filter(author=user).select_related("conversation__project")
    ]
