"""gunicorn settings for production (`gunicorn carrefour.wsgi` from the repository root).

Workers and threads were chosen from bench/load.py on a 2-core machine (see bench/RESULTS.md):
WEB_CONCURRENCY processes, GUNICORN_THREADS threads each; override both from the environment.
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
# Recycle workers now and then (memory held by per-version caches of past versions).
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
