"""Production: debug off, SECRET_KEY mandatory (base refuses to start without it), HTTPS only.

`manage.py check --deploy` passes with no warning (tests/test_settings.py). Behind a TLS proxy
that sets X-Forwarded-Proto; SECURE_SSL_REDIRECT=0 when the proxy redirects itself,
SECURE_HSTS_SECONDS=0 to stage HSTS (one year by default, subdomains and preload included).
"""

import os

from .base import *  # noqa: F401,F403
from .base import env_bool

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Links in allauth's e-mails (confirmation, password reset) always use https in production.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("SECURE_COOKIES", True) else "http"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's preview views set SAMEORIGIN themselves; everything else refuses framing.
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
