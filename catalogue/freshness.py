"""Version stamps: the data version (published project data) and the content version (any
write at all), which derived outputs and caches key on.

- `current()` / `bump()`: the catalogue's data version. Search structures, statistics and HTTP
  validators are keyed on it; every "catalogue changed" step bumps it.
- `content()` / `touch()`: bumped after any committed model write (a comment, an editorial
  page, a setting): the shared page cache (`catalogue.httpcache`) keys on both, so whatever an
  anonymous visitor can see shows at once after a change.

They live in the default cache, shared by every process (web workers, the task cluster,
harvest subprocesses): Redis, or the database cache. A change inside a transaction bumps again
when it commits (`catalogue.changes` for the data version, `touch` here): a reader in another
process may have cached what it read before the commit under the new version.
"""

import threading
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection, transaction

KEY = "catalogue:data-version"
CONTENT_KEY = "site:content-version"

# Within one request (`pinned`), each version is read from the shared cache once: the request
# sees one consistent state, and a search that asks for it dozens of times makes one round
# trip to Redis (or one query of the database cache) instead of dozens.
_pinned = threading.local()


@contextmanager
def pinned():
    """Read the versions once for the enclosed block (a request: see
    `catalogue.middleware.PinnedVersionsMiddleware`); this thread's own bumps still show."""
    outer = getattr(_pinned, "values", None)
    _pinned.values = {}
    try:
        yield
    finally:
        _pinned.values = outer


def _read(key: str) -> str:
    held = getattr(_pinned, "values", None)
    if held is not None and key in held:
        return held[key]
    store = cache
    value = store.get(key)
    if value is None:
        value = str(time.time_ns())
        store.add(key, value, None)
        value = store.get(key, value)
    if held is not None:
        held[key] = value
    return value


def both() -> tuple[str, str]:
    """(data version, content version) in one round trip to the shared cache."""
    held = getattr(_pinned, "values", None)
    if held is None or KEY not in held or CONTENT_KEY not in held:
        found = cache.get_many([KEY, CONTENT_KEY])
        if held is not None:
            held.update(found)
    return _read(KEY), _read(CONTENT_KEY)


def _write(key: str) -> str:
    value = str(time.time_ns())
    cache.set(key, value, None)
    held = getattr(_pinned, "values", None)
    if held is not None:
        held[key] = value
    return value


def current() -> str:
    return _read(KEY)


def content() -> str:
    return _read(CONTENT_KEY)


def bump() -> str:
    """A new data version (and so a new content version)."""
    _write(CONTENT_KEY)
    return _write(KEY)


def touch() -> None:
    """A new content version, now and again when the transaction commits: once per
    transaction (or savepoint) however many rows it writes, each bump being a cache write."""
    if _on_commit(_touch_committed):
        _write(CONTENT_KEY)


def _on_commit(callback) -> bool:
    """Register `callback` once per transaction or savepoint (a rolled-back one forgets it);
    False when it already was."""
    if not connection.in_atomic_block:
        return True
    savepoints = set(connection.savepoint_ids)
    if any(e[1] is callback and e[0] == savepoints for e in connection.run_on_commit):
        return False
    transaction.on_commit(callback)
    return True


def _touch_committed() -> None:
    _write(CONTENT_KEY)
