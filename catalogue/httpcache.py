"""The shared page cache: what anonymous visitors all see, rendered once per content version.

A GET or HEAD from a visitor without a session (never logged in, nothing pending in the
session or the messages cookie) is answered from the ``pages`` cache when the same address
was rendered for the same language and encoding under the current versions
(`freshness.current()` and `freshness.content()`: every "catalogue changed" step and every
committed model write bumps one of them, so a publish shows at once). Only plain public
answers are stored: status 200, no cookie set, no CSRF token used (a page with a form), no
``private``/``no-store``. Logged-in visitors never read nor fill it, and their pages are
marked ``Cache-Control: private``.

Rate-limited views (the open-data API) still count a cached answer against the client.
``HTTP_CACHE = False`` turns the cache off (the benchmark's uncached figures).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from . import freshness

ALIAS = "pages"
# Models whose writes nobody sees on a public page.
IGNORED_APPS = {"sessions", "django_q", "admin"}
IGNORED_MODELS = {"account.emailconfirmation"}
# Headers a stored answer keeps (the outer middlewares add theirs to every answer again).
KEPT_HEADERS = {
    "content-type",
    "content-encoding",
    "content-language",
    "etag",
    "vary",
    "cache-control",
    "last-modified",
    "x-robots-tag",
    "link",
}


def _enabled() -> bool:
    return getattr(settings, "HTTP_CACHE", True) and ALIAS in settings.CACHES


def _anonymous(request) -> bool:
    """No session and no pending messages: nothing personal can be in the answer."""
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    return "HTTP_AUTHORIZATION" not in request.META


# Request headers the views vary on (the results page's live-update fragment): part of the
# key, or a fragment would be served as the full page. Not ``Accept``: no view negotiates on
# it, and each browser, client library or benchmark tool sends its own, so keying on it split
# one address into as many entries as there are clients (bench/load.py's API misses).
VARYING_HEADERS = ("X-Requested-With",)


def cache_key(request) -> str:
    gzip = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
    varying = "|".join(request.headers.get(name, "") for name in VARYING_HEADERS)
    address = f"{request.get_host()}{request.get_full_path()}|{varying}"
    digest = hashlib.sha1(address.encode(), usedforsecurity=False).hexdigest()
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    data, content = freshness.both()
    return f"page:{data}:{content}:{language}:{int(gzip)}:{digest}"


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_USED") or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _freeze(response) -> dict:
    if not response.has_header("ETag"):
        digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
        response["ETag"] = f'"{digest}"'
    if not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date()
    headers = {k: v for k, v in response.items() if k.lower() in KEPT_HEADERS}
    return {"status": response.status_code, "headers": headers, "body": response.content}


def _thaw(frozen: dict) -> HttpResponse:
    response = HttpResponse(frozen["body"], status=frozen["status"])
    for name, value in frozen["headers"].items():
        response[name] = value
    response["X-Page-Cache"] = "hit"
    return response


class SharedPageCacheMiddleware:
    """Serve and fill the shared page cache (see the module docstring); last in MIDDLEWARE so
    that the outer middlewares (security headers, CORS, language, conditional GET) treat a
    cached answer as any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_page_cache_key", None)
        if key is not None and not response.has_header("Cache-Control"):
            # Kept by browsers and proxies, but checked again each time (ETag): a publish
            # must show at once.
            patch_cache_control(response, max_age=0, must_revalidate=True)
        if key is not None and _storable(request, response):
            caches[ALIAS].set(key, _freeze(response), settings.PAGE_CACHE_SECONDS)
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("GET", "HEAD") or not _enabled() or not _anonymous(request):
            return None
        key = cache_key(request)
        frozen = caches[ALIAS].get(key)
        if frozen is None:
            request._page_cache_key = key
            return None
        limit = getattr(view_func, "rate_limit", None)
        if limit is not None:
            from .api.ratelimit import limited_response

            refused = limited_response(request, *limit)
            if refused is not None:
                return refused
        return _thaw(frozen)


def _model_written(sender, **kwargs):
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label in IGNORED_APPS or meta.label_lower in IGNORED_MODELS:
        return
    freshness.touch()


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_model_written, dispatch_uid=f"page-cache-{signal}")
