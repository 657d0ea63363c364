"""The change feed over HTTP: `/api/changes` (JSON) and `/api/changes/activities`
(ActivityStreams 2.0), plus `/api/projects/<id>`, the record an activity's object points at.

Both feeds read `catalogue.changefeed`: each changed page once, in its latest state, by event
id; `since` (ISO 8601) keeps the changes from that date, `cursor` resumes after the last event
read (the `cursor` of the previous answer). A subscriber keeps the cursor between runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from django.http import JsonResponse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from .. import changefeed
from .. import changes as catalogue_changes
from .ratelimit import rate_limited
from .serializers import UrlBuilder, serialise_batch

JSON_PARAMS = {"ensure_ascii": False}
ACTIVITY_JSON = "application/activity+json"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
ACTIVITY_TYPES = {
    "created": "Create",
    "updated": "Update",
    "unpublished": "Delete",
    "archived": "Delete",
    "merged": "Move",
}


class BadRequest(ValueError):
    pass


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status, json_dumps_params=JSON_PARAMS)


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


#: The range of `since` read as given; a date outside it (year 1 or 9999, where converting
#: its offset to UTC overflows) keeps everything or nothing, as the same date in range would.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, tzinfo=UTC)


def _read_moment(value: str):
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        moment = datetime(day.year, day.month, day.day) if day else None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        # In UTC: PostgreSQL refuses offsets past ±15:59 that ISO 8601 and Python accept.
        moment = moment.astimezone(UTC)
    except OverflowError:
        return EARLIEST if moment.year == 1 else LATEST
    return min(max(moment, EARLIEST), LATEST)


def parse_since(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = _read_moment(value)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise BadRequest(_("Paramètre « since » invalide : une date ISO 8601 est attendue."))
    return moment


def _page_size(params) -> int:
    try:
        size = int(params.get("page_size") or changefeed.DEFAULT_PAGE_SIZE)
    except ValueError:
        size = changefeed.DEFAULT_PAGE_SIZE
    return max(1, min(size, changefeed.MAX_PAGE_SIZE))


def _read(request):
    since = parse_since(request.GET.get("since", ""))
    try:
        after = changefeed.parse_cursor(request.GET.get("cursor", ""))
    except ValueError as error:
        raise BadRequest(_("Paramètre « cursor » invalide.")) from error
    urls = UrlBuilder(base_url=_base_url(request))
    catalogue_changes.stamp_late()
    return changefeed.read(since=since, after=after, size=_page_size(request.GET), urls=urls)


def _url(request, path: str | None = None, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = value
    query = params.urlencode()
    return request.build_absolute_uri((path or request.path) + (f"?{query}" if query else ""))


@require_safe
@gzip_page
@rate_limited("api")
def changes(request):
    try:
        page = _read(request)
    except BadRequest as error:
        return _error(str(error), 400)
    data = {
        "count": page.count,
        "cursor": page.cursor,
        "next": _url(request, cursor=page.cursor) if page.more else None,
        "results": page.items,
    }
    response = JsonResponse(data, json_dumps_params=JSON_PARAMS)
    response["Cache-Control"] = "no-cache"
    return response


def object_id(base: str, pk: int) -> str:
    return f"{base}/api/projects/{pk}"


def _activity(base: str, feed: str, item: dict) -> dict:
    kind = item["kind"]
    oid = object_id(base, item["project"])
    activity = {
        "id": f"{feed}#{item['id']}",
        "type": ACTIVITY_TYPES[kind],
        "published": item["at"],
        "summary": kind,
    }
    record = item["record"]
    if record is None:
        activity["object"] = {"id": oid, "type": "Tombstone", "deleted": item["at"]}
        if kind == "merged" and item["merged_into"]:
            activity["target"] = object_id(base, item["merged_into"])
        return activity
    obj = {
        "id": oid,
        "type": "Page",
        "name": record["title"],
        # ActivityStreams reads ``summary`` as HTML: the plain text goes there escaped.
        "summary": escape(record["summary"] or ""),
        "url": record["url"],
        "published": record["first_published_at"],
        "updated": record["last_published_at"],
        "carrefour:record": record,
    }
    if record["lat"] is not None and record["lng"] is not None:
        obj["location"] = {
            "type": "Place",
            "name": record["city"],
            "latitude": record["lat"],
            "longitude": record["lng"],
        }
    activity["object"] = obj
    return activity


def _context(base: str) -> list:
    return [AS_CONTEXT, {"carrefour": f"{base}/api/#"}]


@require_safe
@gzip_page
@rate_limited("api")
def activities(request):
    """Without `cursor`: the OrderedCollection; with it (empty from the start): a page."""
    base = _base_url(request)
    feed = request.build_absolute_uri(request.path)
    try:
        page = _read(request)
    except BadRequest as error:
        return _error(str(error), 400)
    if "cursor" not in request.GET:
        data = {
            "@context": _context(base),
            "id": _url(request),
            "type": "OrderedCollection",
            "summary": _("Changements du catalogue Carrefour"),
            "totalItems": page.count,
            "first": _url(request, cursor=""),
        }
    else:
        data = {
            "@context": _context(base),
            "id": _url(request),
            "type": "OrderedCollectionPage",
            "partOf": feed,
            "totalItems": page.count,
            "orderedItems": [_activity(base, feed, item) for item in page.items],
        }
        if page.more:
            data["next"] = _url(request, cursor=page.cursor)
    response = JsonResponse(data, json_dumps_params=JSON_PARAMS, content_type=ACTIVITY_JSON)
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
@rate_limited("api")
def project(request, pk: int):
    records = serialise_batch([pk], UrlBuilder(base_url=_base_url(request)))
    if not records:
        return _error(_("Projet inexistant ou non public."), 404)
    return JsonResponse(records[0], json_dumps_params=JSON_PARAMS)
