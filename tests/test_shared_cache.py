"""Without Redis, rate limits are counted once for all processes: the default cache is a
database table (created by `migrate`) that two real processes share, atomically."""

import json
import subprocess

import pytest

from tests.importers.harvesting import manage_cmd, manage_env

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = """
import json, time
from allauth.core import ratelimit as allauth_ratelimit
from django.core.cache import cache
from django.test import RequestFactory
from catalogue.api import ratelimit
from django.core.cache import caches
request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.5")
out = {"backend": type(caches["default"]).__name__}
if "{phase}" == "limits":
    out["api"] = [ratelimit.check(request, "shared-test", "5/86400") for _ in range(3)]
    out["login"] = [
        bool(allauth_ratelimit.consume(request, action="login_failed", key="user:42"))
        for _ in range(3)
    ]
else:
    import os, pathlib
    cache.add("shared-test:counter", 0, 600)
    barrier = pathlib.Path({start})
    (barrier / str(os.getpid())).touch()
    while len(list(barrier.iterdir())) < 2:
        time.sleep(0.005)
    for _ in range(300):
        cache.incr("shared-test:counter")
    out["counter"] = cache.get("shared-test:counter")
print("RESULT" + json.dumps(out))
"""


def run(phase, start="", wait=True):
    env = {**manage_env(), "DJANGO_SETTINGS_MODULE": "carrefour.settings.dev"}
    env.pop("REDIS_URL", None)
    code = SCRIPT.replace("{phase}", phase).replace("{start}", repr(start))
    code = code.replace("import json, time", "import json, time")
    proc = subprocess.Popen(
        [*manage_cmd("shell", "-c", code)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc.communicate(timeout=120) if wait else proc


def result(outputs):
    out, err = outputs
    line = [x for x in out.splitlines() if x.startswith("RESULT")]
    assert line, err
    return json.loads(line[0][len("RESULT") :])


def test_two_processes_share_rate_limits_and_counters(tmp_path):
    # `migrate` (what `make run` and deployments run) creates the cache table.
    from carrefour.settings import base
    from django.apps import apps
    from django.db import connection
    from django.db.models.signals import post_migrate
    from django.test import override_settings

    from catalogue.apps import create_cache_tables

    assert post_migrate.has_listeners(apps.get_app_config("catalogue"))
    with override_settings(CACHES=base.CACHES):
        create_cache_tables(using="default")
    assert base.CACHE_TABLE in connection.introspection.table_names()

    first, second = result(run("limits")), result(run("limits"))
    assert first["backend"] == "AtomicDatabaseCache"
    # The API allows 5 per window from one address: 3 in one process, the 6th in the other
    # is refused (a per-process cache would allow 6).
    assert first["api"] == [0, 0, 0]
    assert second["api"][:2] == [0, 0] and second["api"][2] > 0
    # allauth's log-in failures per account (5 per 15 minutes) are shared too.
    assert first["login"] == [True, True, True]
    assert second["login"] == [True, True, False]

    # Two processes incrementing one counter at the same time lose no update.
    procs = [run("counter", str(tmp_path), wait=False) for _ in range(2)]
    results = [result(p.communicate(timeout=120)) for p in procs]
    assert max(r["counter"] for r in results) == 600
