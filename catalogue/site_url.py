"""The site's absolute address and name, for what leaves the page: e-mails above all.

A link in an e-mail must open on the server that sent it, wherever it runs (`make run` on any
port, a reverse proxy, a test's live server). So:

1. during a request, the request's own scheme and host (validated by `ALLOWED_HOSTS`), made
   available to code that has no request at hand (Wagtail's notifiers, allauth, services) by
   `CurrentRequestMiddleware`;
2. in background jobs (django-q2 digests), `BASE_URL` when it is set (`make run` sets it to the
   address it serves);
3. otherwise the default Wagtail Site's hostname and port, which `ensure_site_tree` keeps in
   step with `BASE_URL`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost

_current_request: ContextVar = ContextVar("carrefour_current_request", default=None)
_forced_base: ContextVar = ContextVar("carrefour_forced_base_url", default="")


class CurrentRequestMiddleware:
    """Remember the request being served, for the absolute links of the e-mails it sends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


@contextmanager
def using_base_url(url: str):
    """Build links against `url` inside the block (a job that knows where it was asked from)."""
    token = _forced_base.set(url.rstrip("/"))
    try:
        yield
    finally:
        _forced_base.reset(token)


def origin_of(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def configured_base_url() -> str:
    """`BASE_URL` from the environment, or "" when it is not set."""
    return (getattr(settings, "BASE_URL", "") or "").rstrip("/")


def base_url(request=None) -> str:
    """The site's address without a trailing slash, e.g. "http://127.0.0.1:8103"."""
    forced = _forced_base.get()
    if forced:
        return forced
    request = request if request is not None else _current_request.get()
    if request is not None:
        try:
            return origin_of(request)
        except DisallowedHost:  # never link to a host the site does not serve
            pass
    configured = configured_base_url()
    if configured:
        return configured
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_url.rstrip("/")
    return "http://127.0.0.1:8000"


def absolute(url: str, request=None) -> str:
    """`url` made absolute against `base_url()`; absolute URLs are kept as they are."""
    if not url or url.startswith(("http://", "https://", "mailto:")):
        return url
    return base_url(request) + (url if url.startswith("/") else "/" + url)


def host_and_port(url: str) -> tuple[str, int]:
    """("127.0.0.1", 8103) for "http://127.0.0.1:8103": the Wagtail Site matching an address."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "127.0.0.1", port


def site_name() -> str:
    """The name the site signs with: "Carrefour des innovations sociales" (one setting)."""
    return settings.WAGTAIL_SITE_NAME
