"""gunicorn settings for production (`gunicorn carrefour.wsgi` from the repository root).

WEB_CONCURRENCY processes (default 2 × CPUs), GUNICORN_THREADS threads each (default 2); override
both from the environment. Chosen from a sweep on a quiet 2-core machine (`bench/load.py
--workers N --threads M`, bench/RESULTS.md, 2026-12-02): 4 x 2 and 6 x 1 served the most, within
noise of each other; more threads per process cost the Python-bound map up to 40 % (the GIL).
"""

import multiprocessing
import os

pythonpath = "site"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# A request of the open-data API or a cold search at 100k may take seconds; never a minute.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
keepalive = 5
# The application is imported once, in the master, and workers are forked from it: a worker
# that starts (or is recycled) answers at once instead of spending ~1 s of CPU importing
# Django, Wagtail and the site (`when_ready` below also compiles the URLconf and the main
# templates there). Nothing touches the database or the caches at import time.
preload_app = True
# Recycle workers now and then. 5,000 requests was a restart of every worker within seconds
# at the cached pages' 500 requests/s: under bench/load.py's 50 clients, both workers
# restarted mid-run, and the requests queued behind their start-up made a 4.5 s p95 of answers
# that take milliseconds (bench/RESULTS.md). Per-version structures of past versions are
# replaced, not kept, so memory does not grow with the number of requests.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None


# The templates every visitor's first page needs, compiled in the master (see preload_app).
WARM_TEMPLATES = (
    "base.html",
    "catalogue/home_page.html",
    "catalogue/project_page.html",
    "catalogue/project_index_page.html",
    "catalogue/includes/project_card.html",
)


def when_ready(server):
    """Before the first worker is forked: import every view (the URLconf) and compile the
    main templates, so that forked workers share them. Best effort: a failure here is logged
    and the workers do the work themselves as before."""
    try:
        from django.template.loader import get_template
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (imports every view module)
        for name in WARM_TEMPLATES:
            get_template(name)
    except Exception as error:  # noqa: BLE001
        server.log.warning("warm-up before fork failed: %s", error)
