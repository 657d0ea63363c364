"""A data version number, bumped whenever published project data changes.

Derived outputs (statistics, HTTP validators) key their caches on it. It lives in the cache:
shared between processes with Redis; with the local-memory cache, other processes see a change
when their own entries expire (short timeouts are used for that reason).
"""

import time

from django.core.cache import cache

KEY = "catalogue:data-version"


def current() -> str:
    value = cache.get(KEY)
    if value is None:
        value = str(time.time_ns())
        cache.add(KEY, value, None)
        value = cache.get(KEY, value)
    return value


def bump() -> str:
    value = str(time.time_ns())
    cache.set(KEY, value, None)
    return value
