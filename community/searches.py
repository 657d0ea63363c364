"""Saved searches: store a catalogue search state, alert on new matching projects.

A search state is the URL parameters of `/projets/` (text, facets, commune radius, map `bbox`),
parsed and re-encoded by the catalogue's `SearchQuery`, executed by its search engine. Only
live public projects are in the search index, so alerts and feeds never show anything else.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.search import FACETS, SearchQuery

from .models import Notification, SavedSearch

# Above this many new projects in one run, one summary notification replaces the list.
MAX_ITEMS_PER_RUN = 10


def canonical(params) -> tuple[SearchQuery, str]:
    """(query, canonical query string without page) for URL parameters or a query string."""
    if isinstance(params, str):
        from urllib.parse import parse_qs

        params = parse_qs(params.lstrip("?"))
    query = SearchQuery.from_params(params)
    return query, urlencode(query.to_params(page=False), doseq=True)


def describe(query: SearchQuery) -> str:
    """A short French label of a search ("« jardin » · Domaines : Alimentation · zone de carte")."""
    from catalogue.search import label_for

    parts = []
    if query.text:
        parts.append(f"« {query.text} »")
    for facet, values in query.filters.items():
        labels = ", ".join(label_for(facet, v) for v in values)
        parts.append(f"{FACETS.get(facet, facet)} : {labels}")
    if query.commune:
        from catalogue.geography import commune_by_insee

        commune = commune_by_insee(query.commune)
        name = commune.name if commune else query.commune
        parts.append(_("à %(km)s km de %(name)s") % {"km": query.effective_radius_km, "name": name})
    if query.bbox:
        parts.append(_("zone de carte"))
    return " · ".join(str(p) for p in parts) or _("Tous les projets")


@transaction.atomic
def save_search(user, params, *, name: str = "") -> SavedSearch:
    query, query_string = canonical(params)
    name = (name or "").strip()[:120] or describe(query)[:120]
    existing = SavedSearch.objects.filter(user=user, query_string=query_string).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(user=user, name=name, query_string=query_string)
    except IntegrityError:
        return SavedSearch.objects.get(user=user, query_string=query_string)


def new_project_ids(saved: SavedSearch, *, since, until) -> list[int]:
    """Pages first published in (since, until] that match the saved search, newest first."""
    from catalogue.search import matching_entries

    return list(
        matching_entries(saved.query())
        .filter(first_published_at__gt=since, first_published_at__lte=until)
        .order_by("-first_published_at")
        .values_list("page_id", flat=True)
    )


def notify_new_matches(now=None) -> int:
    """For every saved search with alerts on: notify its owner of new matching projects."""
    from catalogue.models import ProjectPage

    from .notify import notify

    now = now or timezone.now()
    written = 0
    for saved in SavedSearch.objects.filter(notify=True, user__is_active=True).select_related(
        "user"
    ):
        ids = new_project_ids(saved, since=saved.last_checked_at, until=now)
        if len(ids) > MAX_ITEMS_PER_RUN:
            written += bool(
                notify(
                    saved.user,
                    Notification.Kind.SEARCH_MATCH,
                    title=_("%(count)d nouveaux projets pour votre recherche « %(name)s »")
                    % {"count": len(ids), "name": saved.name},
                    url=_newest_url(saved),
                    saved_search=saved,
                    dedupe_key=f"search:{saved.pk}:{now.isoformat()}",
                )
            )
        elif ids:
            pages = ProjectPage.objects.live().public().filter(pk__in=ids)
            for page in sorted(pages, key=lambda p: ids.index(p.pk)):
                written += bool(
                    notify(
                        saved.user,
                        Notification.Kind.SEARCH_MATCH,
                        title=_("Nouveau projet pour votre recherche « %(name)s » : %(title)s")
                        % {"name": saved.name, "title": page.title},
                        body=page.summary[:500],
                        url=page.url or "",
                        target=page,
                        saved_search=saved,
                        dedupe_key=f"search:{saved.pk}:{page.pk}",
                    )
                )
        SavedSearch.objects.filter(pk=saved.pk).update(last_checked_at=now)
    return written


def _newest_url(saved: SavedSearch) -> str:
    query = saved.query().replace(sort="newest")
    return "/projets/" + query.querystring(page=False)
