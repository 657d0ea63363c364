"""The community's panels on the territory pages (registered in `CommunityConfig.ready` with
`catalogue.territories.panels`): the holders who claimed project pages there, and the active
public community spaces of the territory or with members there.

Only what is public elsewhere is shown: approved holders of live, public projects (as on the
project pages), public spaces. A space counts as "with members there" from
`MIN_MEMBERS_THERE` members whose profile commune lies in the territory, so the panel never
tells where one member lives; "active" means a discussion or a new member within `ACTIVE_DAYS`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

ACTIVE_DAYS = 180
MIN_MEMBERS_THERE = 3
LIMIT = 20


def holders_panel(request, territory):
    from catalogue.search import SearchQuery, matching_entries

    from .models import ProjectClaim

    entries = matching_entries(SearchQuery(territory=territory.key)).values("pk")
    claims = (
        ProjectClaim.objects.approved()
        .filter(project_id__in=entries)
        .select_related("project", "user__profile")
        .order_by("project__title", "id")[:LIMIT]
    )
    rows = [{"project": c.project, "profile": getattr(c.user, "profile", None)} for c in claims]
    if not rows:
        return None
    return {
        "title": _("Les porteurs de projets présents ici"),
        "template": "community/includes/territory_holders.html",
        "rows": rows,
    }


def spaces_panel(request, territory):
    from catalogue.territories import geo

    from .models import Membership, Space

    since = timezone.now() - timedelta(days=ACTIVE_DAYS)
    public = Space.objects.filter(visibility=Space.Visibility.PUBLIC)
    active = public.annotate(
        last_discussion=Max("discussions__last_activity_at"),
        last_member=Max("memberships__joined_at"),
    )
    active_ids = {
        s.pk
        for s in active
        if (s.last_discussion and s.last_discussion >= since)
        or (s.last_member and s.last_member >= since)
    }
    there: dict[int, int] = {}
    members = Membership.objects.filter(space_id__in=active_ids).exclude(
        user__profile__insee_code=""
    )
    for space_id, insee in members.values_list("space_id", "user__profile__insee_code"):
        if geo.contains(territory, insee):
            there[space_id] = there.get(space_id, 0) + 1
    chosen = [
        s
        for s in public.filter(pk__in=active_ids).order_by("name")
        if geo.contains(territory, s.insee_code) or there.get(s.pk, 0) >= MIN_MEMBERS_THERE
    ][:LIMIT]
    if not chosen:
        return None
    return {
        "title": _("Les espaces communautaires actifs ici"),
        "template": "community/includes/territory_spaces.html",
        "rows": [{"space": s, "members_there": there.get(s.pk, 0)} for s in chosen],
        "min_members": MIN_MEMBERS_THERE,
    }


def connect() -> None:
    from catalogue.territories import panels

    panels.register(holders_panel, order=10)
    panels.register(spaces_panel, order=20)
