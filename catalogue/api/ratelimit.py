"""Per-IP rate limiting for the open-data API, on Django's cache (fixed windows).

Settings: ``API_RATE_LIMIT`` (e.g. ``"120/60"``: 120 requests per 60 seconds per client IP; empty
or ``"0"`` disables it), ``API_MAP_RATE_LIMIT`` for the map endpoint (a map asks again on every
move), and ``API_RATE_LIMIT_TRUST_FORWARDED`` to read the client IP from X-Forwarded-For behind
a reverse proxy. A real shared cache (Redis) makes the limit global across processes.

Why not pyrate-limiter (pinned, because schemathesis requires it): its buckets keep their own
state in memory, Redis, SQLite or PostgreSQL, while this limit must live where the site's other
shared counters do, Django's cache (the database table ``carrefour_cache`` without Redis, so the
limit holds across gunicorn workers on SQLite too); one ``add`` and one ``incr`` per request
do it. The decisions are those of pyrate-limiter's ``FixedWindow`` algorithm, window for
window and wait for wait (tests/catalogue/test_reference_implementations.py).
"""

from __future__ import annotations

import functools
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse


def parse_rate(value) -> tuple[int, int] | None:
    if not value or str(value).strip() in ("0", ""):
        return None
    if isinstance(value, tuple | list):
        requests, seconds = value
    else:
        requests, _, seconds = str(value).partition("/")
        seconds = seconds or "60"
    requests, seconds = int(requests), int(seconds)
    if requests <= 0 or seconds <= 0:
        return None
    return requests, seconds


def client_ip(request) -> str:
    if getattr(settings, "API_RATE_LIMIT_TRUST_FORWARDED", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def check(request, scope: str, rate, key: str | None = None) -> int:
    """0 when the request may proceed, else the seconds to wait. Counted per client IP, or
    per `key` when given (a member's id: a limit that follows the account)."""
    limit = parse_rate(rate)
    if limit is None:
        return 0
    requests, seconds = limit
    now = time.time()
    window = int(now // seconds)
    key = f"ratelimit:{scope}:{key or client_ip(request)}:{window}"
    cache.add(key, 0, seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds + 1)
        count = 1
    if count > requests:
        return max(1, math.ceil((window + 1) * seconds - now))
    return 0


def limited_response(request, scope: str, setting: str):
    """The 429 answer once a client IP passed the rate in `setting`, else None (and the
    request is counted)."""
    wait = check(request, scope, getattr(settings, setting, None))
    if not wait:
        return None
    response = JsonResponse(
        {"detail": "Trop de requêtes : réessayez dans quelques secondes.", "retry_after": wait},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str, setting: str = "API_RATE_LIMIT"):
    """Answer 429 with Retry-After once a client IP passes the configured rate.

    The view carries ``rate_limit`` so that the shared page cache counts its cached answers
    too (decorators above it copy the attribute with ``functools.wraps``).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            refused = limited_response(request, scope, setting)
            if refused is not None:
                return refused
            return view(request, *args, **kwargs)

        wrapper.rate_limit = (scope, setting)
        return wrapper

    return decorator
