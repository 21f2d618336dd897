"""igdash settings: one module, every value from the environment (see .env.example).

The embedded default needs nothing installed: SQLite in the data folder and the
filesystem Celery broker. DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL
and Redis; nothing else changes for scale-out.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from core.env import (
    DEFAULT_ALLOWED_NETWORKS,
    ConfigError,
    env_base64,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_str,
    env_time_zone,
    env_url,
    load_dotenv,
)
from core.filemodes import tighten_top
from core.logs import INSTAGRAPI_LOGGERS

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(env_path("IGDASH_ENV_FILE", BASE_DIR / ".env"))

DATA_DIR = env_path("IGDASH_DATA_DIR", BASE_DIR / "data")
LOG_DIR = DATA_DIR / "logs"
BACKUP_DIR = DATA_DIR / "backups"
BROKER_DIR = DATA_DIR / "broker"
MEDIA_ROOT = DATA_DIR / "media"
# Files of background exports (exports/jobs.py), removed after EXPORT_KEEP_HOURS.
EXPORT_DIR = DATA_DIR / "exports"
for _folder in (DATA_DIR, LOG_DIR, BACKUP_DIR, MEDIA_ROOT, EXPORT_DIR):
    _folder.mkdir(parents=True, exist_ok=True)
# Made by an older igdash: the folder and its top level (the database first)
# become private before anything opens them; migrate walks the rest (filemodes.py).
tighten_top(DATA_DIR)


def _secret_key() -> str:
    """IGDASH_SECRET_KEY, or a key generated once and kept in the data folder."""
    configured = env_str("IGDASH_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("IGDASH_DEBUG", False)

# Loopback, *.ts.net (Tailscale MagicDNS) and whatever the owner adds.
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", ".ts.net", *env_list("IGDASH_ALLOWED_HOSTS")]
CSRF_TRUSTED_ORIGINS = [
    "http://localhost:8000",
    "http://127.0.0.1:8000",
    "https://*.ts.net",
    "http://*.ts.net:8000",
    *env_list("IGDASH_CSRF_TRUSTED_ORIGINS"),
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    "igdash",
    "accounts_app",
    "scraping",
    "content",
    "audience",
    "exports",
    "notify",
    "api",
    # django-ninja: its templates and static files serve the API's docs page offline.
    "ninja",
]

MIDDLEWARE = [
    "igdash.network.NetworkAllowlistMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "igdash.roles.OwnerOnlyMiddleware",
    "igdash.vault_lock.VaultLockMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Refused input (a crafted cursor, ...) becomes a 400 page with its message.
    "core.errors.BadInputMiddleware",
    # Last, as django-axes asks: turns a lockout found during login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "igdash.urls"
WSGI_APPLICATION = "igdash.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notify.context_processors.bell",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "igdash.sqlite3"
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,  # type: ignore[typeddict-item]  # Django takes a Path; dj-database-url's DBConfig says str
            "OPTIONS": {
                # One writer at a time without "database is locked": take the write
                # lock when the transaction starts, wait up to the timeout for it.
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("IGDASH_SQLITE_TIMEOUT", 30),
                # wal_autocheckpoint: a scrape commits once a page (or a second) and each commit
                # appends its pages to the WAL; checkpointing every 20,000 pages
                # (~80 MB) instead of SQLite's 1,000 writes each hot index page back
                # once instead of many times (docs/performance.md, ingest). A running
                # scrape leaves that copy to a thread of its own (scraping/services/tuning.py).
                # journal_size_limit: the WAL file shrinks back to 64 MB afterwards.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                    "PRAGMA wal_autocheckpoint=20000;PRAGMA journal_size_limit=67108864;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Network ---------------------------------------------------------------------
# Only loopback and the Tailscale ranges may connect unless the owner widens it.
ALLOWED_NETWORK_LIST = env_networks("IGDASH_ALLOWED_NETWORKS", DEFAULT_ALLOWED_NETWORKS)
# X-Forwarded-For is believed only from these (e.g. 127.0.0.1 behind tailscale serve).
TRUSTED_PROXY_NETWORKS = env_networks("IGDASH_TRUSTED_PROXIES", [])

# --- Auth -----------------------------------------------------------------------
LOGIN_URL = "login"
# The throttle comes first: a locked-out client is refused before any password
# is checked (igdash/login_throttle.py, docs/security.md "Login throttling").
AUTHENTICATION_BACKENDS = [
    "igdash.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Content analytics: the nightly refresh lists posts of the last N days (new posts
# and fresh metrics for young ones) where the owner switched it on.
CONTENT_NIGHTLY_WINDOW_DAYS = env_int(
    "IGDASH_CONTENT_NIGHTLY_WINDOW_DAYS", 30, minimum=1, maximum=3650
)
# Audience analysis (docs/audience.md): comments of the last N posts by default,
# and "loyal" = commented on at least LOYAL_MIN of the last LOYAL_POSTS posts.
AUDIENCE_POSTS = env_int("IGDASH_AUDIENCE_POSTS", 12, minimum=1, maximum=100_000)
AUDIENCE_LOYAL_POSTS = env_int("IGDASH_AUDIENCE_LOYAL_POSTS", 12, minimum=1, maximum=1000)
AUDIENCE_LOYAL_MIN = env_int("IGDASH_AUDIENCE_LOYAL_MIN", 3, minimum=1, maximum=1000)
# The optional picture classifier (docs/audience.md "Picture classifier"): off
# ("none") by default; "fake" for tests and the demo; "local" with the vision extra.
# The cloud provider (Face++) is not chosen here: the owner switches it on in
# Settings with its API key, and it then takes precedence over this value.
AUDIENCE_CLASSIFIER = env_choice("IGDASH_AUDIENCE_CLASSIFIER", "none", ("none", "fake", "local"))
AUDIENCE_CLASSIFIER_MIN_CONFIDENCE = env_float(
    "IGDASH_AUDIENCE_CLASSIFIER_MIN_CONFIDENCE", 0.6, minimum=0.0, maximum=1.0
)
AUDIENCE_VISION_MODEL_DIR = env_str("IGDASH_AUDIENCE_VISION_MODEL_DIR", "")
# The cloud provider, Face++ (switched on in Settings with its key, sealed in the
# vault): its base URL, the timeout of one request, and the pause between two
# requests (its free plan allows about one a second).
AUDIENCE_FACEPP_URL = env_url("IGDASH_AUDIENCE_FACEPP_URL", "https://api-us.faceplusplus.com")
AUDIENCE_FACEPP_TIMEOUT = env_float(
    "IGDASH_AUDIENCE_FACEPP_TIMEOUT", 15.0, minimum=1.0, maximum=300.0
)
AUDIENCE_FACEPP_INTERVAL = env_float(
    "IGDASH_AUDIENCE_FACEPP_INTERVAL", 1.1, minimum=0.0, maximum=60.0
)
LOGIN_MAX_FAILURES = env_int("IGDASH_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("IGDASH_LOGIN_LOCKOUT_MINUTES", 15)
# django-axes, configured from the two values above (igdash/login_throttle.py).
AXES_HANDLER = "igdash.login_throttle.AtomicAxesHandler"
AXES_FAILURE_LIMIT = "igdash.login_throttle.failure_limit"
AXES_COOLOFF_TIME = "igdash.login_throttle.cool_off"
# Locked when either the address or the user name has too many failures.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "igdash.network.client_ip"
AXES_USERNAME_CALLABLE = "igdash.login_throttle.username_of"
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out are refused unchecked and do not extend the lockout,
# so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "igdash.login_views.lockout_response"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("IGDASH_SESSION_DAYS", 30) * 24 * 3600
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS is on when the owner fronts igdash with `tailscale serve` or another TLS
# proxy. Over plain http://machine.tailnet.ts.net:8000 secure-only cookies would make
# login impossible, so three HTTPS deploy checks (W004, W012, W016) are silenced
# only in that mode; W008 and W021 always (README, "Security checks").
HTTPS = env_bool("IGDASH_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = False  # TLS terminates at the proxy; it redirects, not Django.
SECURE_HSTS_SECONDS = env_int("IGDASH_HSTS_SECONDS", 0) if HTTPS else 0
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# W008: TLS is terminated by the proxy, which redirects. W021: a *.ts.net name
# cannot go on the browsers' HSTS preload list.
SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W021"]
if not HTTPS:
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W012", "security.W016"]
elif SECURE_HSTS_SECONDS == 0:
    SILENCED_SYSTEM_CHECKS += ["security.W004"]

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_time_zone("IGDASH_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_URL = "media/"
# Django's storage (collectstatic, uploads) chmods what it saves: private too.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Celery -----------------------------------------------------------------------
# Settings are read by igdash/celery.py with namespace CELERY_. The broker URL must be
# final before the app first connects: Celery ignores later changes silently.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
BROKER_QUEUE_DIR = BROKER_DIR / "queue"
BROKER_CONTROL_DIR = BROKER_DIR / "control"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport, writing each message whole (core/broker.py).
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_QUEUE_DIR),
        "data_folder_out": str(BROKER_QUEUE_DIR),
        "control_folder": str(BROKER_CONTROL_DIR),
        "store_processed": False,
    }
    for _folder in (BROKER_QUEUE_DIR, BROKER_CONTROL_DIR):
        _folder.mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Cache of Instagram's answers ----------------------------------------------------
# Profile and posts-listing answers are kept INSTAGRAM_CACHE_HOURS (0: off) so a
# second analysis of an account within that time asks Instagram nothing for them
# (scraping/services/answer_cache.py; docs/decisions.md). Redis when
# IGDASH_CACHE_URL names one, or when the broker is Redis; else files in
# <data>/cache (0600 files in a 0700 folder, like everything igdash writes).
INSTAGRAM_CACHE_HOURS = env_int("IGDASH_INSTAGRAM_CACHE_HOURS", 24, minimum=0, maximum=720)
CACHE_URL = env_str("IGDASH_CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHE_DIR = DATA_DIR / "cache"
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    # The scheme only: the URL may carry a password, and this goes to the logs.
    _scheme = CACHE_URL.partition("://")[0][:20]
    raise ConfigError(f"IGDASH_CACHE_URL must be a redis:// URL, not a {_scheme}:// one")
_INSTAGRAM_CACHE: dict[str, object] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {
        "BACKEND": "core.filecache.FileCache",
        "LOCATION": str(CACHE_DIR),
        # A page of posts is one entry: room for a few big accounts' listings.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "instagram": {
        **_INSTAGRAM_CACHE,
        "KEY_PREFIX": "igdash",
        "TIMEOUT": INSTAGRAM_CACHE_HOURS * 3600,
    },
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# A worker writes a heartbeat row this often; /health calls it dead after the
# threshold: within 15 s of its death (a hung worker, one on another machine).
# A worker under `serve` is marked dead at once by the supervisor.
WORKER_HEARTBEAT_SECONDS = env_float("IGDASH_WORKER_HEARTBEAT_SECONDS", 5.0, minimum=0.5)
WORKER_HEARTBEAT_STALE_SECONDS = env_float("IGDASH_WORKER_STALE_SECONDS", 15.0, minimum=1.0)

# --- Serve ---------------------------------------------------------------------------
SERVE_HOST = env_str("IGDASH_HOST", "127.0.0.1")
SERVE_PORT = env_int("IGDASH_PORT", 8000, minimum=1, maximum=65535)
SERVE_THREADS = env_int("IGDASH_WEB_THREADS", 8, minimum=1)
# The API's server-sent event streams each hold a Waitress thread while their
# scrape runs: at most this many at once (503 with Retry-After beyond), and always
# fewer than the threads, so the pages keep one (with one thread: no streams).
API_EVENT_STREAMS = env_int(
    "IGDASH_API_EVENT_STREAMS", SERVE_THREADS // 2, minimum=0, maximum=SERVE_THREADS - 1
)
API_EVENTS_HEARTBEAT_SECONDS = env_int("IGDASH_API_EVENTS_HEARTBEAT_SECONDS", 15, minimum=1)
API_EVENTS_MAX_SECONDS = env_int("IGDASH_API_EVENTS_MAX_SECONDS", 3600, minimum=1)
API_EVENTS_POLL_SECONDS = 1.0
WORKER_CONCURRENCY = env_int("IGDASH_WORKER_CONCURRENCY", 4, minimum=1)

# --- Instagram -------------------------------------------------------------------------
# --- Notifications (docs/notifications.md) ---------------------------------------------
# The address messages link to: how your phone reaches igdash, e.g. the tailnet's
# MagicDNS name (https://igdash.tail1234.ts.net). Links are BASE_URL + a page's path.
BASE_URL = env_url("IGDASH_BASE_URL", "http://127.0.0.1:8000")

INSTAGRAM_WEB_URL = env_url("IGDASH_INSTAGRAM_WEB_URL", "https://www.instagram.com")
INSTAGRAM_API_URL = env_url("IGDASH_INSTAGRAM_API_URL", "https://i.instagram.com")
# Every knob of the scrape engine is read here, once, at start-up: a typo stops
# `serve` (and every command) with one line, never a scrape in the middle of a
# list (docs/operations.md, "Configuration checks"). The engine reads these.
INSTAGRAM_TIMEOUT = env_float("IGDASH_INSTAGRAM_TIMEOUT", 20.0, minimum=1.0, maximum=600.0)
SCRAPE_STALE_SECONDS = env_float("IGDASH_SCRAPE_STALE_SECONDS", 180.0, minimum=1.0)
SCRAPE_RESUME_EVERY_SECONDS = env_int("IGDASH_SCRAPE_RESUME_EVERY_SECONDS", 60, minimum=1)
SCRAPE_MAX_RETRIES = env_int("IGDASH_SCRAPE_MAX_RETRIES", 5, minimum=0, maximum=100)
# Rate limits (scraping/ratelimit.py). None: the value of the Settings page.
RATE_WEB_API_LIMIT = env_int("IGDASH_RATE_WEB_API_LIMIT", None, minimum=0)
RATE_WEB_API_WINDOW = env_float("IGDASH_RATE_WEB_API_WINDOW", None, minimum=1.0)
RATE_GRAPHQL_LIMIT = env_int("IGDASH_RATE_GRAPHQL_LIMIT", None, minimum=0)
RATE_GRAPHQL_WINDOW = env_float("IGDASH_RATE_GRAPHQL_WINDOW", None, minimum=1.0)
RATE_MOBILE_API_LIMIT = env_int("IGDASH_RATE_MOBILE_API_LIMIT", None, minimum=0)
RATE_MOBILE_API_WINDOW = env_float("IGDASH_RATE_MOBILE_API_WINDOW", None, minimum=1.0)
JITTER_MEAN = env_float("IGDASH_JITTER_MEAN", None, minimum=0.0, maximum=60.0)
JITTER_MAX = env_float("IGDASH_JITTER_MAX", None, minimum=0.0, maximum=300.0)
BACKOFF_BASE = env_float("IGDASH_BACKOFF_BASE", None, minimum=0.0)
BACKOFF_MAX = env_float("IGDASH_BACKOFF_MAX", None, minimum=0.0)
PACING = env_bool("IGDASH_PACING", True)
RATE_INLINE_WAIT = env_float("IGDASH_RATE_INLINE_WAIT", 15.0, minimum=0.0)
# Where the vault's master key lives (accounts_app/vault.py), and the secret a
# passphrase-mode unlock is shared with (set by `igdash serve` for its children).
KEY_STORE = env_choice("IGDASH_KEY_STORE", "auto", ("auto", "keyring", "file"))
BOOT_SECRET = env_base64("IGDASH_BOOT_SECRET", 32)

# off: igdash's own rate windows AND pauses are off (the simulator walk-through, where a
# 20,000-follower scrape would otherwise wait for hours). Instagram's own "wait" is
# still obeyed. Never for the real Instagram (docs/decisions.md).
RATE_LIMITS = env_bool("IGDASH_RATE_LIMITS", True)

# --- Logging -------------------------------------------------------------------------
# core/logs.py; docs/operations.md, "Logs". The console gets one line per event,
# the file also the tracebacks. json: one JSON object a line on both.
LOG_LEVEL = env_choice(
    "IGDASH_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOG_FORMAT = env_choice("IGDASH_LOG_FORMAT", "plain", ("plain", "json"))
PROCESS_ROLE = env_str("IGDASH_PROCESS_ROLE", "manage")
_FORMATTER = "core.logs.JsonFormatter" if LOG_FORMAT == "json" else "core.logs.PlainFormatter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {"()": _FORMATTER, "tracebacks": DEBUG},
        "file": {"()": _FORMATTER, "tracebacks": True},
    },
    "filters": {
        "disallowed_host": {"()": "core.logs.DisallowedHostWarning"},
        "instagrapi_console": {"()": "core.logs.InstagrapiNoise", "drop": True},
        "instagrapi_file": {"()": "core.logs.InstagrapiNoise"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "console",
            "filters": ["instagrapi_console"],
            # Commands print their own results; their log lines go to the file only,
            # unless they are warnings.
            "level": "WARNING" if PROCESS_ROLE == "manage" else LOG_LEVEL,
        },
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            # One file per process role: several processes rotating one file
            # corrupts it on Windows.
            "filename": str(LOG_DIR / f"igdash-{PROCESS_ROLE}.log"),
            "maxBytes": 5 * 1024 * 1024,
            "backupCount": 5,
            "encoding": "utf-8",
            "formatter": "file",
            "filters": ["instagrapi_file"],
            "delay": True,
        },
    },
    "root": {"handlers": ["console", "file"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.security.DisallowedHost": {"filters": ["disallowed_host"]},
        "httpx": {"level": "WARNING"},
        # Apprise writes notification URLs (secrets) into its DEBUG lines and hosts
        # into its warnings: it never reaches the log files; notify/channels.py
        # captures what a failure says and masks the URL in it.
        "apprise": {"level": "CRITICAL", "propagate": False},
        # Apprise sends with requests: urllib3 writes each request's path at DEBUG,
        # and a webhook's path is its secret (Discord, Slack, Telegram's bot token).
        "urllib3": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # django-axes says "AXES: BEGIN ..." at every process start: noise. Its
        # lockout lines (axes.handlers, WARNING) stay.
        "axes.apps": {"level": "WARNING"},
        # "No hostname was supplied": always true of filesystem://, so only noise.
        "kombu.connection": {
            "level": "ERROR" if CELERY_BROKER_URL.startswith("filesystem://") else "WARNING"
        },
        **{name: {"level": "WARNING"} for name in INSTAGRAPI_LOGGERS},
    },
}

# --- Owner account (created by `igdash serve` on first run) ---------------------------
OWNER_USERNAME = env_str("IGDASH_ADMIN_USER", "owner")
OWNER_INITIAL_PASSWORD = env_str("IGDASH_ADMIN_PASSWORD")

# --- Data-export import (docs/import.md) -----------------------------------------------
# Largest upload of Instagram's export on the account page, all files together, in MB;
# refused from Content-Length before Django reads the body. Django writes uploads over
# FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) to a temporary file, so memory stays flat.
IMPORT_MAX_UPLOAD_MB = env_int("IGDASH_IMPORT_MAX_UPLOAD_MB", 256)

# --- Background exports (docs/exports-and-backups.md) ----------------------------------
# An XLSX of more rows than this is written by a worker, with a progress page and a
# download link; smaller ones (and every CSV/JSON, which stream) download at once.
EXPORT_BACKGROUND_ROWS = env_int("IGDASH_EXPORT_BACKGROUND_ROWS", 50_000)
# At most this many background exports queued or running at once (each holds a
# worker for up to minutes): one more is refused until one ends, so a script with
# a read token cannot queue hundreds of them by varying the search term.
EXPORT_MAX_ACTIVE_JOBS = env_int("IGDASH_EXPORT_MAX_ACTIVE_JOBS", 4)
# A finished background export's file is kept this long, then removed.
EXPORT_KEEP_HOURS = env_int("IGDASH_EXPORT_KEEP_HOURS", 24)
