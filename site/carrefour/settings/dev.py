"""Local development: `make run` sets DJANGO_DEBUG=1."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from .base import *  # noqa: E402,F401,F403

# Local development crawls local mock partners (127.0.0.1); private networks stay refused.
OUTGOING_ALLOW_LOOPBACK = env_bool("OUTGOING_ALLOW_LOOPBACK", True)  # noqa: F405
