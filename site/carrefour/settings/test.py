"""Test settings: fast hashing, plain static storage, inline tasks, console-free email."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault(
    "VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "var", "test")
)

from .base import *  # noqa: E402,F401,F403
from .base import DATABASES, Q_CLUSTER, STORAGES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Tasks run inline, except in a real cluster started by a fault test (Q_SYNC=0).
Q_CLUSTER = {**Q_CLUSTER, "sync": os.environ.get("Q_SYNC", "1") != "0"}
# One media folder per test process (dumps, downloaded images): CI runs SQLite and PostgreSQL
# side by side, each with pytest-xdist workers, whose environment comes from the controller.
# Subprocesses started by a test (harvest runs) inherit their worker's id.
TEST_RUN_ID = os.environ.setdefault("CARREFOUR_TEST_RUN", str(os.getpid()))
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _XDIST_WORKER and not TEST_RUN_ID.endswith(f"-{_XDIST_WORKER}"):
    TEST_RUN_ID = os.environ["CARREFOUR_TEST_RUN"] = f"{TEST_RUN_ID}-{_XDIST_WORKER}"
MEDIA_ROOT = VAR_DIR / f"media-{TEST_RUN_ID}"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not :memory:) so that subprocesses (harvest runs) see the test data; one per
    # process so that concurrent test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # One test database per process: concurrent runs (developers, CI) never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_carrefour_{os.getpid()}"}
WHITENOISE_AUTOREFRESH = True
# Harvester tests crawl mock partners on 127.0.0.1; every other internal address stays refused.
OUTGOING_ALLOW_LOOPBACK = True
# Tests make many API calls from one address; test_api checks the limit with its own setting.
API_RATE_LIMIT = API_MAP_RATE_LIMIT = "100000/60"
# Each test process keeps its caches in memory, cleared by tests without database access; the
# shared database cache of the other settings is tested across real processes
# (tests/test_shared_cache.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "memo": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "memo"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
