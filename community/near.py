"""« Près de chez moi »: the projects, holders, spaces and members near a member's commune.

Read from the member's profile: the commune (`insee_code`) is the centre, the interests
(domains, publics, methods) filter the projects. Projects come from the search engine's door
(`catalogue.search`: a radius search sorted by distance, so only live, public projects); then

- holders: approved holders of those projects, **only when they opted in**
  (`Profile.discoverable`), the viewer left out;
- spaces: those the viewer may see (public ones, private ones they belong to) whose territory
  lies within the radius;
- members: other members who opted in, whose commune lies within the radius, shared interests
  first among equals.

Nobody's e-mail address is read here, and nobody who did not opt in is listed.
"""

from __future__ import annotations

from catalogue.geography import commune_by_insee, distance_km

from . import conf
from .models import Profile, ProjectClaim, Space

LIMIT = 8


def _centre(insee: str):
    commune = commune_by_insee(insee) if insee else None
    if commune is None or not commune.has_centre:
        return None
    return commune


def _km_to(centre, insee: str):
    commune = _centre(insee)
    if commune is None:
        return None
    return distance_km((centre.lat, centre.lon), (commune.lat, commune.lon))


def _interest_filters(interests) -> dict[str, list[str]]:
    from catalogue.search import TAXONOMY_FACETS

    facet_of = {family: facet for facet, family in TAXONOMY_FACETS.items()}
    filters: dict[str, list[str]] = {}
    for group in interests:
        facet = facet_of.get(group.family)
        if facet:
            filters.setdefault(facet, []).append(group.slug)
    return filters


def _projects(insee: str, radius: int, filters, limit: int):
    from catalogue.search import SearchQuery, execute

    query = SearchQuery(
        filters=filters, commune=insee, radius_km=radius, sort="nearest", per_page=limit
    )
    found = execute(query, with_facets=False, suggest=False)
    return [{"page": page, "km": found.distances.get(page.pk)} for page in found.results]


def _holders(viewer, insee: str, radius: int, limit: int):
    from catalogue.search import SearchQuery, matching_entries

    near = matching_entries(SearchQuery(commune=insee, radius_km=radius)).values("pk")
    claims = (
        ProjectClaim.objects.approved()
        .filter(project_id__in=near, user__is_active=True, user__profile__discoverable=True)
        .exclude(user=viewer)
        .select_related("project", "user__profile")
        .order_by("project__title", "id")
    )
    centre = _centre(insee)
    rows = []
    for claim in claims[:200]:
        page = claim.project
        km = None
        if page.latitude is not None and page.longitude is not None:
            km = distance_km((centre.lat, centre.lon), (page.latitude, page.longitude))
        rows.append({"profile": claim.user.profile, "project": page, "km": km})
    rows.sort(key=lambda row: (row["km"] is None, row["km"] or 0))
    return rows[:limit]


def _spaces(viewer, centre, radius: int, limit: int):
    rows = []
    for space in Space.objects.visible_to(viewer).exclude(insee_code="").order_by("name"):
        km = _km_to(centre, space.insee_code)
        if km is not None and km <= radius:
            rows.append({"space": space, "km": km})
    rows.sort(key=lambda row: row["km"])
    return rows[:limit]


def _members(viewer, centre, radius: int, interest_ids: set[int], limit: int):
    candidates = (
        Profile.objects.filter(discoverable=True, user__is_active=True)
        .exclude(user=viewer)
        .exclude(insee_code="")
        .prefetch_related("interests")
    )
    rows = []
    for profile in candidates:
        km = _km_to(centre, profile.insee_code)
        if km is None or km > radius:
            continue
        shared = [g for g in profile.interests.all() if g.pk in interest_ids]
        rows.append({"profile": profile, "km": km, "shared": shared})
    rows.sort(key=lambda row: (-len(row["shared"]), row["km"]))
    return rows[:limit]


def near_me(viewer, *, limit: int = LIMIT) -> dict:
    """What the account page shows (``{"centre": None}`` when the profile has no commune)."""
    profile = Profile.objects.filter(user=viewer).first()
    radius = conf.get("COMMUNITY_NEAR_RADIUS_KM")
    centre = _centre(profile.insee_code) if profile else None
    if centre is None:
        return {"centre": None, "radius": radius, "profile": profile}
    interests = list(profile.interests.all())
    filters = _interest_filters(interests)
    projects = _projects(profile.insee_code, radius, filters, limit)
    broadened = bool(filters) and not projects
    if broadened:
        projects = _projects(profile.insee_code, radius, {}, limit)
    holders = _holders(viewer, profile.insee_code, radius, limit)
    # A holder listed with their project is not listed again among the members.
    listed = {row["profile"].pk for row in holders}
    members = _members(viewer, centre, radius, {g.pk for g in interests}, limit + len(listed))
    return {
        "centre": centre,
        "radius": radius,
        "profile": profile,
        "interests": interests,
        "projects": projects,
        "broadened": broadened,
        "holders": holders,
        "spaces": _spaces(viewer, centre, radius, limit),
        "members": [row for row in members if row["profile"].pk not in listed][:limit],
    }
