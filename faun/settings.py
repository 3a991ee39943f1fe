"""Settings for faun, driven entirely by environment variables.

With nothing set, the site runs on the embedded default: a SQLite file under var/, Celery tasks run
eagerly in the web process, a local-memory cache, and emails written as files under var/mail/.
Every variable is listed in docs/configuration.md and in .env.example.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue
from pythonjsonlogger.core import RESERVED_ATTRS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FAUN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("DJANGO_ENV must be development, production or test.")
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if PRODUCTION:
    # Refuse to start rather than run a public site with a guessable key or a Host-header hole.
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_ENV=production needs SECRET_KEY (50+ characters).")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ENV=production needs ALLOWED_HOSTS (comma-separated).")
else:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

DEBUG = env_bool("DEBUG", default=DJANGO_ENV == "development")

SITE_NAME = os.environ.get("SITE_NAME", "faun")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "outbox",
    "accounts",
    "posts",
    # Before discussion: its part of the post page (flags) comes above the thread.
    "moderation",
    "discussion",
    "newsletters",
]

MIDDLEWARE = [
    # Request counts and latency for /metrics (django-prometheus): first and last, so they see
    # every request and, for the ones a view answers, which view (docs/operations.md#metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id of every log line and of the tasks a request enqueues; outside everything
    # that may answer early, so every response carries it (docs/operations.md#logs).
    "faun.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache and WhiteNoise, so cached pages and static files carry them too.
    "csp.middleware.CSPMiddleware",
    "faun.middleware.PermissionsPolicyMiddleware",
    # Before static files, the page cache and every view: a path with a control character names
    # nothing, and one in a query parameter must reach no query or header
    # (docs/operations.md#hostile-requests).
    "faun.middleware.ControlCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "faun.middleware.AnonymousPageCacheMiddleware",
    # Before sessions and every view: which requests may read from a replica, and the pin that
    # keeps a visitor who just wrote on the primary (docs/operations.md#read-replicas).
    "faun.middleware.ReplicaRoutingMiddleware",
    "faun.middleware.QueryTimingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "faun.urls"
WSGI_APPLICATION = "faun.wsgi.application"

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
                "faun.context_processors.site",
                "faun.context_processors.keyset_page",
                "discussion.context_processors.inbox",
            ],
            # core has no models and is no app: its template library is named here.
            "libraries": {"times": "core.templatetags.times"},
        },
    },
]

# Database: SQLite file by default; DATABASE_URL=postgres://... switches to PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'faun.sqlite3'}"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if env_bool("DATABASE_POOL", default=PRODUCTION):
        # psycopg_pool keeps warm connections per process; CONN_MAX_AGE must stay 0 with it.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": 10,
        }
    # A site's queries are short. PostgreSQL starts parallel workers for a plan it expects to be
    # big, and compiles the costliest ones with its JIT: the workers cost more than the query
    # they served (a quiet reader's My feed: 11-16 ms with two workers, under 1 ms without), the
    # JIT saved nothing on the bounded search (docs/performance.md, "Round two").
    session_options = []
    if not env_bool("DATABASE_JIT", default=False):
        session_options.append("-c jit=off")
    if not env_bool("DATABASE_PARALLEL_QUERY", default=False):
        session_options.append("-c max_parallel_workers_per_gather=0")
    if session_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(session_options)
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DATABASE_TEST_NAME", "test_faun")}
else:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("DATABASE_TEST_NAME") or None}

# Read replicas (docs/operations.md#read-replicas): anonymous GETs read from PostgreSQL streaming
# replicas, round robin, through core.replicas.ReplicaRouter; everything else reads the primary.
# Each is an alias replica1, replica2... with the primary's options, a short connect timeout (a
# replica that does not answer is skipped, not waited for) and, in tests, Django's test mirror
# of the primary: it is never created or flushed, and its NAME becomes the primary's test
# database, which the replica receives by replication.
DATABASE_REPLICAS: list[str] = []
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL=postgres://...")
    replica = dj_database_url.parse(url, conn_health_checks=True)
    replica["CONN_MAX_AGE"] = 0
    replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2}
    if "pool" in replica["OPTIONS"]:
        replica["OPTIONS"]["pool"] = {**replica["OPTIONS"]["pool"], "timeout": 2}
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{number}"] = replica
    DATABASE_REPLICAS.append(f"replica{number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
# A visitor who wrote reads the primary for this long; a replica further behind than the lag
# limit is skipped; each process checks each replica at most this often.
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 5)
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 2)
DATABASE_REPLICA_CHECK_SECONDS = 2
if DATABASE_REPLICAS and (
    DATABASE_REPLICA_PIN_SECONDS
    <= DATABASE_REPLICA_MAX_LAG_SECONDS + DATABASE_REPLICA_CHECK_SECONDS
):
    # A replica may fall behind by the lag limit plus the time until the next check: a pin any
    # shorter could end before the visitor's write reaches the replica they read.
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_PIN_SECONDS must exceed DATABASE_REPLICA_MAX_LAG_SECONDS + "
        f"{DATABASE_REPLICA_CHECK_SECONDS} (the check interval)."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Django's model backend, minus suspended accounts (docs/moderation.md#bans).
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "posts:home"
LOGOUT_REDIRECT_URL = "posts:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
if not PRODUCTION:
    # The embedded default keeps its SQLite file, mail and static files under var/.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Files the site draws for itself, kept by Django's default storage: the posts' social cards
# (docs/posting.md#social-cards). Each is served by its own view, never from a MEDIA_URL.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Redis: with REDIS_URL set, Celery uses it as broker and Django as cache; without it, tasks run
# eagerly in-process and the cache is local memory, so a fresh clone needs no services.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "faun",
            # A Redis that stops answering costs a request one second, not redis-py's five; the
            # site then serves without the cache (core/cache.py, docs/operations.md).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Room for a thread's cached comments and feed rows (docs/performance.md#feed-rows) beside
    # the pages, rate limits and counters: locmem's default of 300 entries would evict them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when Redis is down: fail fast, the outbox sweep retries.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = "UTC"
# Several deployments (or a benchmark) can share one Redis by giving each its own queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# One queue per kind of work, so a 100,000-subscriber digest never holds up a sign-up email
# (docs/operations.md#queues): single emails (sign-up, password reset, replies, the outbox
# sweep), link previews, and newsletters and digests with their batched sending. A worker
# started without -Q consumes all four; `make worker QUEUES=celery-email` one of them.
CELERY_QUEUE_EMAIL = f"{CELERY_TASK_DEFAULT_QUEUE}-email"
CELERY_QUEUE_PREVIEWS = f"{CELERY_TASK_DEFAULT_QUEUE}-previews"
CELERY_QUEUE_NEWSLETTERS = f"{CELERY_TASK_DEFAULT_QUEUE}-newsletters"
CELERY_TASK_QUEUES = [
    Queue(name)
    for name in (
        CELERY_TASK_DEFAULT_QUEUE,
        CELERY_QUEUE_EMAIL,
        CELERY_QUEUE_PREVIEWS,
        CELERY_QUEUE_NEWSLETTERS,
    )
]
CELERY_TASK_ROUTES = {
    "outbox.tasks.email_deliver": {"queue": CELERY_QUEUE_EMAIL},
    "outbox.tasks.outbox_sweep": {"queue": CELERY_QUEUE_EMAIL},
    "outbox.tasks.email_deliver_batch": {"queue": CELERY_QUEUE_NEWSLETTERS},
    "newsletters.tasks.*": {"queue": CELERY_QUEUE_NEWSLETTERS},
    "posts.tasks.*": {"queue": CELERY_QUEUE_PREVIEWS},
}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # The email outbox's safety net: re-enqueue emails whose delivery message was lost (Redis was
    # down when the web request published it, or a worker died mid-send). See accounts/tasks.py.
    "outbox-sweep": {
        "task": "outbox.tasks.outbox_sweep",
        "schedule": float(env_int("OUTBOX_SWEEP_EVERY_SECONDS", 60)),
        # A sweep queued while every worker was down is stale by the time one starts.
        "options": {"expires": float(env_int("OUTBOX_SWEEP_EVERY_SECONDS", 60))},
    },
    # Newsletters and personal digests: find what is due and fan out batches. Running it twice
    # (a second beat, a retry) sends nothing twice: deliveries are unique per period.
    "digests-run": {
        "task": "newsletters.tasks.digests_run",
        "schedule": float(env_int("NEWSLETTER_RUN_EVERY_SECONDS", 300)),
        "options": {"expires": float(env_int("NEWSLETTER_RUN_EVERY_SECONDS", 300))},
    },
}

# Email: SMTP when EMAIL_HOST is set, otherwise one file per message under var/mail/.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "faun <noreply@faun.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
    # The deploy check counts preload as a warning-free choice only when set explicitly.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): scripts, styles, images, fonts and requests come from this
# origin only, and no page has inline script or style; the API docs widen it for their own needs
# (faun/api_urls.py). Permissions-Policy: faun/middleware.py. docs/operations.md#security-headers
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "faun.api_schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.ReadOnlyOrWriter"],
    # JSON first (what a client gets unless it asks for HTML); a browser gets a read-only page
    # (docs/api.md#in-a-browser).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.renderers.ReadOnlyBrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.renderers.ReadOnlyBrowsableNegotiation",
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.AnonThrottle",
        "core.api.UserThrottle",
        "core.api.WriteRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/min"),
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
        "write": os.environ.get("API_THROTTLE_WRITE", "30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Cross-origin reads: browsers on these origins may GET the API; writes stay same-origin.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_ALL_ORIGINS = env_bool("CORS_ALLOW_ALL_ORIGINS", default=False)
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Link", "Retry-After"]
SPECTACULAR_SETTINGS = {
    "TITLE": "faun API",
    "DESCRIPTION": (
        "Read the feed, tags, channels and users; with a personal token (Settings → API tokens, "
        "sent as `Authorization: Bearer <token>`) submit posts, comment, vote, save and hide. "
        "Lists use cursor pagination: follow `next` (also sent as a `Link` header). Errors answer "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Posts and comments both have a status; posts, notifications and key entities a kind: one
    # name each.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "posts.models.Post.Kind",
        "StatusEnum": "posts.models.Post.Status",
        "CommentStatusEnum": "discussion.models.Comment.Status",
        "NotificationKindEnum": "discussion.models.Notification.Kind",
        "EntityKindEnum": "posts.models.Entity.Kind",
        "ModerationKindEnum": "moderation.models.ModerationAction.Kind",
        "SuggestionKindEnum": "moderation.models.Suggestion.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "faun.api_schema.add_error_responses",
        "faun.api_schema.add_text_patterns",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI would send the schema's address to validator.swagger.io for a badge image; the
    # docs load nothing from another origin (docs/operations.md#security-headers).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
}

# Anonymous GET pages are shared from the cache for this long (0 = off; docs/performance.md).
ANONYMOUS_CACHE_SECONDS = env_int("ANONYMOUS_CACHE_SECONDS", 0 if DEBUG else 30)
# Feed pages: how many posts a page shows, and the cap a client may ask for.
FEED_PAGE_SIZE = env_int("FEED_PAGE_SIZE", 25)
FEED_MAX_PAGE_SIZE = 100
# Hotness: a post needs ten times the score to outrank one published this many seconds later.
HOTNESS_WINDOW_SECONDS = env_int("HOTNESS_WINDOW_SECONDS", 45_000)

# Logs (docs/operations.md#logs): one JSON object per line for a log collector (the production
# default), or plain lines for a terminal. Web processes, workers and beat all log this way
# (faun/celery.py); each line carries the request id and, in tasks, the task's name and id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.LogContextFilter"}},
    "formatters": {
        "plain": {
            "()": "logging.Formatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            "defaults": {"request_id": "-"},
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            # Django's request log records hold the request object: its repr adds nothing to
            # the message but the query string, which may carry a feed token.
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # One handler for everything: Django's own DEBUG console handler would print twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# /metrics (docs/operations.md#metrics): the client addresses that may read it, and a token
# that opens it from anywhere (`Authorization: Bearer <token>`); empty = no token.
METRICS_ALLOWED_ADDRESSES = [
    address.strip()
    for address in os.environ.get("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1").split(",")
    if address.strip()
]
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Posting: submission rules (docs/posting.md). Rate limits count the author's posts in the
# database, so they hold across web processes.
POST_EDIT_WINDOW_SECONDS = env_int("POST_EDIT_WINDOW_SECONDS", 6 * 60 * 60)
POST_DUPLICATE_WINDOW_DAYS = env_int("POST_DUPLICATE_WINDOW_DAYS", 30)
# Search by relevance ranks the newest this many matches (docs/search.md#relevance).
POST_SEARCH_RANK_WINDOW = env_int("POST_SEARCH_RANK_WINDOW", 1000)
# Feed rows are rendered once for every reader and cached this long; 0 = render per request
# (docs/performance.md#feed-rows).
POST_ROW_CACHE_SECONDS = env_int("POST_ROW_CACHE_SECONDS", 60 * 60)
POST_DAILY_LIMIT = env_int("POST_DAILY_LIMIT", 20)
POST_NEW_ACCOUNT_DAYS = env_int("POST_NEW_ACCOUNT_DAYS", 3)
POST_NEW_ACCOUNT_INTERVAL_SECONDS = env_int("POST_NEW_ACCOUNT_INTERVAL_SECONDS", 5 * 60)
# Discussion (docs/discussion.md): how long an author may edit a comment, new accounts' pace
# (one comment per interval during POST_NEW_ACCOUNT_DAYS), everyone's daily cap, and the window
# in which the same text from the same author is taken as a double submit.
DISCUSSION_EDIT_WINDOW_SECONDS = env_int("DISCUSSION_EDIT_WINDOW_SECONDS", 60 * 60)
DISCUSSION_NEW_ACCOUNT_INTERVAL_SECONDS = env_int("DISCUSSION_NEW_ACCOUNT_INTERVAL_SECONDS", 60)
DISCUSSION_DAILY_LIMIT = env_int("DISCUSSION_DAILY_LIMIT", 200)
DISCUSSION_DUPLICATE_SECONDS = env_int("DISCUSSION_DUPLICATE_SECONDS", 60)
# Moderation (docs/moderation.md): accounts younger than this are marked new to moderators and
# on their profile.
MODERATION_NEW_ACCOUNT_DAYS = env_int("MODERATION_NEW_ACCOUNT_DAYS", 14)
# Flags: the karma a member needs to flag, and the open flags that take a post off the hot feed
# until a moderator decides.
MODERATION_FLAG_MIN_KARMA = env_int("MODERATION_FLAG_MIN_KARMA", 10)
MODERATION_FLAG_HIDE_THRESHOLD = env_int("MODERATION_FLAG_HIDE_THRESHOLD", 3)
# Suggested edits: the karma a member needs to suggest a title or tags for someone else's post,
# and how many members suggesting the same get it applied.
MODERATION_SUGGEST_MIN_KARMA = env_int("MODERATION_SUGGEST_MIN_KARMA", 10)
MODERATION_SUGGESTION_QUORUM = env_int("MODERATION_SUGGESTION_QUORUM", 3)
# Link previews: seconds allowed for the whole fetch of the linked page.
LINK_PREVIEW_TIMEOUT_SECONDS = env_int("LINK_PREVIEW_TIMEOUT_SECONDS", 5)
# TEST-ONLY: lets link previews fetch from 127.0.0.0/8 and ::1 on any port, so tests can serve
# pages from loopback. Deliberately not read from the environment; never turn it on elsewhere.
LINK_PREVIEW_ALLOW_LOOPBACK = False

# Accounts: sign-up, verification links, rate limits and the email outbox (docs/accounts.md).
# Token lifetimes are in seconds.
ACCOUNTS_VERIFY_LINK_MAX_AGE = env_int("ACCOUNTS_VERIFY_LINK_MAX_AGE", 3 * 24 * 60 * 60)
ACCOUNTS_EMAIL_CHANGE_LINK_MAX_AGE = env_int("ACCOUNTS_EMAIL_CHANGE_LINK_MAX_AGE", 24 * 60 * 60)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 60 * 60)
# Failed log-ins allowed per account and per client address within the window.
ACCOUNTS_LOGIN_FAILURE_LIMIT = env_int("ACCOUNTS_LOGIN_FAILURE_LIMIT", 10)
ACCOUNTS_LOGIN_FAILURE_WINDOW = env_int("ACCOUNTS_LOGIN_FAILURE_WINDOW", 15 * 60)
# Emails a visitor may trigger (verification resend, password reset, sign-up notices): per
# recipient address and per client address, within the window.
ACCOUNTS_EMAIL_LIMIT = env_int("ACCOUNTS_EMAIL_LIMIT", 5)
ACCOUNTS_EMAIL_LIMIT_WINDOW = env_int("ACCOUNTS_EMAIL_LIMIT_WINDOW", 60 * 60)
# Proxies in front of the site that append to X-Forwarded-For (0 = use the socket address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Outbox: a pending row is re-enqueued by the sweep once it is this late; a row stays "sending"
# at most OUTBOX_SEND_TIME_LIMIT (the task's hard time limit) unless its worker died, so the sweep
# frees rows claimed longer than OUTBOX_STUCK_AFTER_SECONDS ago; failed attempts back off
# exponentially and give up after OUTBOX_MAX_ATTEMPTS.
OUTBOX_PENDING_GRACE_SECONDS = env_int("OUTBOX_PENDING_GRACE_SECONDS", 120)
OUTBOX_SEND_TIME_LIMIT = env_int("OUTBOX_SEND_TIME_LIMIT", 60)
OUTBOX_STUCK_AFTER_SECONDS = env_int("OUTBOX_STUCK_AFTER_SECONDS", OUTBOX_SEND_TIME_LIMIT + 30)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_SWEEP_BATCH = 500
# Emails per batch delivery task (one SMTP connection each). NEWSLETTER_SEND_BATCH, its name
# before the outbox became an app of its own, is still read when OUTBOX_SEND_BATCH is unset.
OUTBOX_SEND_BATCH = env_int("OUTBOX_SEND_BATCH", env_int("NEWSLETTER_SEND_BATCH", 100))
# Newsletters and digests (docs/newsletters.md): subscribers per batch task (one selection
# query each), posts per issue.
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 500)
NEWSLETTER_ISSUE_POSTS = env_int("NEWSLETTER_ISSUE_POSTS", 10)
NEWSLETTER_CONFIRM_LINK_MAX_AGE = env_int("NEWSLETTER_CONFIRM_LINK_MAX_AGE", 3 * 24 * 60 * 60)
if OUTBOX_STUCK_AFTER_SECONDS <= OUTBOX_SEND_TIME_LIMIT:
    # Freeing a row that a live worker may still be sending would send it twice.
    raise ImproperlyConfigured("OUTBOX_STUCK_AFTER_SECONDS must exceed OUTBOX_SEND_TIME_LIMIT.")

# Benchmark
# `make bench` turns this on for the gunicorn it starts: it adds /_bench/baseline, a view that
# does nothing behind the full middleware stack, which every page is compared with
# (docs/performance.md). Off everywhere else.
BENCHMARK_VIEWS = env_bool("BENCHMARK_VIEWS", default=False)
