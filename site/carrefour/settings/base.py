"""Settings shared by every environment, driven by environment variables.

Every variable is documented in the README ("Configuration").
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Repository root (the folder holding manage.py).
BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# The real sample data shipped beside the repository (see README).
SHARED_DATA_DIR = Path(os.environ.get("SHARED_DATA_DIR", BASE_DIR.parent / "shared" / "data"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (or DJANGO_DEBUG=1 for local development only)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first so their templates and static files win.
    "catalogue",
    "importers",
    "community",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.contrib.typed_table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtailgeowidget",
    "modelcluster",
    "taggit",
    "django_tasks",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # Jobs and API plumbing
    "django_q",
    "corsheaders",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # The data and content versions read once per request (catalogue/freshness.py).
    "catalogue.middleware.PinnedVersionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "carrefour.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag / Last-Modified -> 304 on every page and API answer (cached ones carry theirs).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "catalogue.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Absolute links in e-mails sent while serving a request point at that request's host.
    "catalogue.site_url.CurrentRequestMiddleware",
    # An archived project's address answers 410 Gone with similar projects (catalogue/archive.py).
    "catalogue.archive.ArchivedPageMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: what anonymous visitors share, per content version (catalogue/httpcache.py).
    "catalogue.httpcache.SharedPageCacheMiddleware",
]

ROOT_URLCONF = "carrefour.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "catalogue.context_processors.site_context",
            ],
        },
    },
]

WSGI_APPLICATION = "carrefour.wsgi.application"

# Database: SQLite under var/ by default, any dj-database-url URL otherwise.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'carrefour.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DATABASE_ENGINE = DATABASES["default"]["ENGINE"]
IS_SQLITE = DATABASE_ENGINE.endswith("sqlite3")
IS_POSTGRES = "postgresql" in DATABASE_ENGINE
if IS_SQLITE:
    DATABASES["default"].setdefault("OPTIONS", {})
    # Several processes (web, qcluster, harvest subprocesses) share the file.
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if IS_POSTGRES:
    INSTALLED_APPS.append("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static and media files: WhiteNoise serves static files; media lives under var/.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static_src"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    # Media files are written to a temporary file and renamed: never half-written (disk full).
    "default": {"BACKEND": "catalogue.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Caches. "default" is shared by every process (web workers, qcluster): rate limits (the API's,
# allauth's log-in limits), the data version, statistics. Redis when REDIS_URL is set, else a
# database table (created by `migrate`, see catalogue.apps). "memo" holds pure memoisation
# (the search engine's per-version id sets and facet counts): Redis too when available, else
# each process's own memory, where losing or duplicating an entry costs only time. "pages" is
# the shared page cache of anonymous visitors (catalogue/httpcache.py), keyed on the versions
# held in "default": Redis, or each process's memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_TABLE = "carrefour_cache"
if REDIS_URL:
    _redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    CACHES = {
        "default": _redis_cache,
        "memo": {**_redis_cache, "KEY_PREFIX": "memo"},
        "pages": {**_redis_cache, "KEY_PREFIX": "pages"},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "carrefour.cache.AtomicDatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Rate-limit windows are many small rows; expired ones are culled past this.
            "OPTIONS": {"MAX_ENTRIES": 50000},
        },
        "memo": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "memo"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PAGE_CACHE_ENTRIES", "2000"))},
        },
    }
# HTTP_CACHE=0 turns the shared page cache off (bench/load.py's uncached figures).
HTTP_CACHE = env_bool("HTTP_CACHE", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))

# Background jobs: django-q2, ORM broker by default, Redis when REDIS_URL is set.
Q_CLUSTER = {
    "name": "carrefour",
    "workers": int(os.environ.get("Q_WORKERS", "1" if IS_SQLITE else "4")),
    "timeout": int(os.environ.get("Q_TIMEOUT", "3600")),
    # The ORM broker hands a task out again when `retry` seconds pass without its result: a
    # worker killed mid-task is retried then (catalogue.background bounds it to one retry). A
    # task that raised is retried once too (max_attempts counts the attempts that ended).
    "retry": int(os.environ.get("Q_RETRY") or int(os.environ.get("Q_TIMEOUT", "3600")) + 600),
    "max_attempts": 2,
    "catch_up": False,
    "label": "Tâches de fond",
}
if REDIS_URL:
    _redis = urlparse(REDIS_URL)
    Q_CLUSTER["redis"] = {
        "host": _redis.hostname or "127.0.0.1",
        "port": _redis.port or 6379,
        "db": int((_redis.path or "/0").strip("/") or 0),
        "password": _redis.password,
    }
else:
    Q_CLUSTER["orm"] = "default"

# Wagtail
WAGTAIL_SITE_NAME = "Carrefour des innovations sociales"
# The site's address for links without a request (background e-mails): `make run` sets it to
# where it serves; unset, the default Wagtail Site's hostname and port (catalogue.site_url).
BASE_URL = os.environ.get("BASE_URL", "").rstrip("/")
WAGTAILADMIN_BASE_URL = BASE_URL or "http://127.0.0.1:8000"
WAGTAIL_I18N_ENABLED = False
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Pixels, read from the header before decoding: a small file can claim 121 Mpx (image bomb).
# Wagtail's upload forms (admin and holders) refuse more; catalogue.images refuses it anywhere.
IMAGE_MAX_PIXELS = WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_MODERATION_ENABLED = True
# No third-party call from the admin: avatars are initials, never fetched from Gravatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Page addresses without accents (catalogue.slugs re-slugs older pages, with redirects).
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Project descriptions: Draftail, storing "" when left empty (see catalogue/widgets.py).
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {"WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea"},
    "description": {"WIDGET": "catalogue.widgets.DescriptionEditor"},
}

# Search: Wagtail's database backend by default; OpenSearch/Elasticsearch with SEARCH_URL.
SEARCH_URL = os.environ.get("SEARCH_URL", "")
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "opensearch2")
if SEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": f"wagtail.search.backends.{SEARCH_BACKEND}",
            "URLS": [SEARCH_URL],
            "INDEX_PREFIX": os.environ.get("SEARCH_INDEX_PREFIX", "carrefour_"),
            "TIMEOUT": 10,
            "OPTIONS": {},
            "INDEX_SETTINGS": {},
        }
    }
else:
    # On PostgreSQL the admin's search stems French (the built-in "french" configuration);
    # SQLite's FTS5 backend has no stemming and ignores the setting. Wagtail's database backend,
    # with title norms updated per written entry (catalogue/search/admin_backend.py).
    WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "catalogue.search.admin_backend", "SEARCH_CONFIG": "french"}
    }

# Wagtail 8 runs index upkeep through django-tasks; inline by default.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# wagtailgeowidget: centre on France.
GEO_WIDGET_DEFAULT_LOCATION = {"lat": 46.6, "lng": 2.4}
GEO_WIDGET_ZOOM = 6

# Map tiles for the public site (issue 4 uses them).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)

# Security headers (carrefour.middleware.SecurityHeadersMiddleware). The public policy allows
# no inline script or style: page data travels in json_script blocks, code in static files.
# Extra origins: CSP_FRAME_SRC (video embeds), CSP_IMG_SRC (e.g. a CDN for media).
_tiles = urlparse(MAP_TILE_URL.replace("{s}", "a"))
_TILE_ORIGIN = f"{_tiles.scheme}://{_tiles.netloc}" if _tiles.netloc else ""
if "{s}" in MAP_TILE_URL:
    _TILE_ORIGIN = f"{_tiles.scheme}://*.{_tiles.netloc.split('.', 1)[1]}"
CSP_FRAME_SRC = env_list(
    "CSP_FRAME_SRC",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com,"
    "https://www.dailymotion.com,https://geo.dailymotion.com,https://peertube.fr",
)
CSP_IMG_SRC = env_list("CSP_IMG_SRC")
CSP_PUBLIC = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", *filter(None, [_TILE_ORIGIN]), *CSP_IMG_SRC],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "frame-src": ["'self'", *CSP_FRAME_SRC],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The Wagtail and Django admins: what Wagtail needs (inline scripts and styles) and
# wagtailgeowidget (Leaflet from unpkg, OpenStreetMap tiles, Nominatim geocoding).
CSP_ADMIN_PREFIXES = ["/admin/", "/django-admin/"]
CSP_ADMIN = {
    **CSP_PUBLIC,
    "script-src": ["'self'", "'unsafe-inline'", "https://unpkg.com"],
    "style-src": ["'self'", "'unsafe-inline'", "https://unpkg.com"],
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "connect-src": ["'self'", "https://nominatim.openstreetmap.org", "https://unpkg.com"],
    # Wagtail's live preview frames admin pages.
    "frame-ancestors": ["'self'"],
}
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "browsing-topics": [],
}

# Accounts (django-allauth 65).
SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
# Members are named by their display name (log-in banner, e-mails), never by the internal username.
ACCOUNT_USER_DISPLAY = "community.models.accounts.display_name_for"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Carrefour] "
# allauth's links follow the request's scheme (production forces https: settings.production).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = "/comptes/connexion/"
# Community accounts: honeypot-guarded allauth forms, one email address changed with
# verification, allauth's rate limits (explicit; they need a real cache, see CACHES).
ACCOUNT_FORMS = {
    "signup": "community.forms.SignupForm",
    "login": "community.forms.LoginForm",
    "reset_password": "community.forms.ResetPasswordForm",
}
# One allauth adapter: log-in throttling (community.throttle), e-mails signed with the site's
# name and linking to the request's host (community.adapter).
ACCOUNT_ADAPTER = "community.adapter.AccountAdapter"
WAGTAILADMIN_USER_LOGIN_FORM = "community.throttle.AdminLoginForm"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    # Every log-in form (allauth's, the Wagtail and Django admins') counts its failures here
    # (community.throttle): per client IP, and per account whichever name it is given.
    "login_failed": "10/m/ip,50/h/ip,5/15m/key",
    "confirm_email": "1/180s/key",
    # Members writing to project holders (community.views.contact): new conversations and
    # answers, per member.
    "contact_holder": "5/h/user,20/d/user",
    "contact_reply": "30/h/user",
}
# Social log-in, off unless configured: SOCIAL_PROVIDERS=google,github plus
# SOCIAL_<PROVIDER>_CLIENT_ID and SOCIAL_<PROVIDER>_SECRET for each.
SOCIALACCOUNT_PROVIDERS = {}
for _provider in env_list("SOCIAL_PROVIDERS"):
    INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
    SOCIALACCOUNT_PROVIDERS[_provider] = {
        "APPS": [
            {
                "client_id": os.environ.get(f"SOCIAL_{_provider.upper()}_CLIENT_ID", ""),
                "secret": os.environ.get(f"SOCIAL_{_provider.upper()}_SECRET", ""),
            }
        ]
    }
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False

# Email: console locally, SMTP when EMAIL_URL-like settings are provided.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Carrefour <ne-pas-repondre@carrefour.local>"
)
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL
# The relay of answers to messages between members and project holders (community.contact):
# e-mails carry Reply-To <local>+<token>@<domain>; the mail server pipes that address to
# `manage.py receive_contact_reply`. Empty: no relay, answers are written on the site.
CONTACT_RELAY_ADDRESS = os.environ.get("CONTACT_RELAY_ADDRESS", "")

# Open data API: CORS open for GET on /api/.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
# Open-data API rate limits per client IP, "requests/seconds" (empty or 0 disables); the map
# asks again on every move, hence its own, higher limit. Behind a reverse proxy, trust
# X-Forwarded-For for the client IP.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/60")
API_MAP_RATE_LIMIT = os.environ.get("API_MAP_RATE_LIMIT", "600/60")
API_RATE_LIMIT_TRUST_FORWARDED = env_bool("API_RATE_LIMIT_TRUST_FORWARDED")

# Harvester identity (issue 3).
HARVEST_USER_AGENT = os.environ.get(
    "HARVEST_USER_AGENT", "CarrefourBot/1.0 (+https://github.com/carrefour-innovations-sociales)"
)
GEOCODER_BAN_ENABLED = env_bool("GEOCODER_BAN_ENABLED")
# Outgoing requests (crawls, images, geocoding) never reach internal addresses
# (catalogue.netguard); loopback only when this is set (local mock partners, tests).
OUTGOING_ALLOW_LOOPBACK = env_bool("OUTGOING_ALLOW_LOOPBACK")
# Previews a member with the partner role may ask for (each fetches the partner's site):
# requests/seconds, per member.
PARTNER_PREVIEW_RATE = os.environ.get("PARTNER_PREVIEW_RATE", "10/600")

# Project holders' front-end edits: published at once, or submitted to the editors' moderation
# workflow (default).
HOLDER_EDITS_PUBLISH_IMMEDIATELY = env_bool("HOLDER_EDITS_PUBLISH_IMMEDIATELY")

# Freshness (catalogue/confirmation.py): an unclaimed harvested project missed by this many
# complete runs of every source listing it is archived (unpublished, its URL answers 410).
FRESHNESS_ARCHIVE_AFTER_RUNS = int(os.environ.get("FRESHNESS_ARCHIVE_AFTER_RUNS", "6"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "scrapy": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
