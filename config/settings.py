"""Quarterdeck settings: every value comes from the environment (or the env file it names).

Defaults are the embedded demo set-up: SQLite and a server-less Celery broker under ``var/``, and
email written to files in ``var/outbox/``. Production sets DATABASE_URL, CELERY_BROKER_URL,
EMAIL_BACKEND=django_ses.SESBackend and a real secret key; see .env.example.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from botocore.config import Config as BotocoreConfig
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import StrictEnv, env_file_path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = StrictEnv()
ENV_FILE = env_file_path(BASE_DIR)
if ENV_FILE.is_file():
    # Values already in the process environment win over the file.
    StrictEnv.read_env(str(ENV_FILE), overwrite=False, parse_comments=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# --- Secrets -------------------------------------------------------------------------------------
_DEV_SECRET = "insecure-development-key-only-for-DEBUG-mode-never-deploy-this-value-0123456789"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else "")


def _is_weak_secret(value: str) -> bool:
    # The same rule as Django's deploy check (security.W009), enforced at start-up instead.
    return (
        len(value) < 50
        or len(set(value)) < 5
        or value.startswith("django-insecure-")
        or value == _DEV_SECRET
    )


if not DEBUG and _is_weak_secret(SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is missing or weak (it needs 50+ characters, 5+ distinct ones). "
        "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

CREW_JWT_SECRET = env.str(
    "CREW_JWT_SECRET", default="dev-crew-secret-for-DEBUG-only-000000" if DEBUG else ""
)
if not DEBUG and len(CREW_JWT_SECRET) < 32:
    raise ImproperlyConfigured("CREW_JWT_SECRET is missing or shorter than 32 characters.")
# Key rotation: the current secret signs under CREW_JWT_KID; retired ones ("kid:secret,...")
# still verify until they are removed. crew.tokens parses and checks them at start-up.
CREW_JWT_KID = env.str("CREW_JWT_KID", default="1")
CREW_JWT_SECRETS = env.str("CREW_JWT_SECRETS", default="")
# Checklist nudges go out this many hours before departure, one per window.
try:
    CREW_NUDGE_HOURS = [int(h) for h in env.list("CREW_NUDGE_HOURS", default=["48", "24", "2"])]
except ValueError:
    raise ImproperlyConfigured("CREW_NUDGE_HOURS takes whole hours, e.g. 48,24,2.") from None

_LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=_LOCAL_HOSTS if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "django_celery_results",
    "axes",
    "csp",
    "ninja",  # the crew API docs page serves its Swagger UI from ninja/static
    "config",
    "entities",
    "delivery",
    "reports",
    "crew",
]

MIDDLEWARE = [
    "config.middleware.head_without_body",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every answer has the policy, also those the middlewares below give
    # themselves (a failed CSRF check, a bad host).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------
DATABASES = {
    "default": env.database_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _db_name = str(DATABASES["default"]["NAME"])
    if _db_name and _db_name != ":memory:":
        Path(_db_name).parent.mkdir(parents=True, exist_ok=True)
    # Concurrent writers (web, worker, beat) otherwise meet "database is locked". In WAL mode
    # readers never wait for a writer and a commit is an append, not a flush of the database:
    # two web processes posting crew events spent some 40% of their time waiting for the
    # write lock in the default mode (bench/crew). NORMAL keeps the database whole after a
    # crash; a power cut may lose the last commits, which PostgreSQL (production) does not.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
    # The test database is a file, so that a real worker process started by a test sees it.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", str(VAR_DIR / "test.sqlite3"))
# A connection kept for a minute by each process, on every backend: opening one costs a SQLite
# process about 1 ms (Django registers its SQL functions on each new connection) and
# PostgreSQL several, more than the rest of a stored report's page (bench/render).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions --------------------------------------------------------------------------
# Every page reads the session: it is kept in the cache, with the database behind it (cached_db),
# which spares a query per page. The cache must be one for every web process, or a session ended
# in one would live on in another's memory: files under var/ by default (one machine), Redis in
# production (CACHE_URL=redis://…); a per-process locmemcache:// is a system-check warning
# outside DEBUG (quarterdeck.W002).
CACHES = {
    "default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth ----------------------------------------------------------------------------------------
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes, on /login/ and /admin/login/ alike): after this many failures
# for one user name, or from one address, that name or address is refused for the cool-off.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Not reset by a success: axes would clear every count for the address as well, so a member
# could try four passwords on someone else's name, sign in as themselves, and go again.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "config.signin.lockout_response"  # our page, status 429
# Successful sign-ins are not logged by axes: Django keeps each user's last_login already, and
# the log would grow without end.
AXES_DISABLE_ACCESS_LOG = True
# The client's address. Straight on the internet it is REMOTE_ADDR. Behind proxies, REMOTE_ADDR
# is the last proxy for everyone (one attacker would lock every user out), so the address is the
# one the first trusted proxy appended to X-Forwarded-For: counted from the right, past the
# entries the other proxies added. Entries to its left are the client's own words, never trusted.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"]
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    IPWARE_STRICT = False  # more entries than proxies is a client's forgery, not an error
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names: a deploy never needs a cache-invalidation step.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security ------------------------------------------------------------------------------------
# Behind a TLS-terminating proxy the scheme comes from X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Scripts, styles and images from our own files only (images also as data: URLs); no inline
# script or style attribute anywhere (tests/config/test_csp.py looks). The email rendition and
# the download carry a policy of their own (delivery/documents.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SILENCED_SYSTEM_CHECKS: list[str] = []
if not DEBUG and not SECURE_SSL_REDIRECT:
    # The operator turned the redirect off because the proxy in front does it.
    SILENCED_SYSTEM_CHECKS.append("security.W008")
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.logging.SecretHidingFilter"

# --- Email ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "outbox")))
if not EMAIL_FILE_PATH.is_absolute():
    EMAIL_FILE_PATH = BASE_DIR / EMAIL_FILE_PATH
SES_FROM_ADDRESS = env.str(
    "SES_FROM_ADDRESS", default="Quarterdeck <reports@quarterdeck.localhost>"
)
DEFAULT_FROM_EMAIL = SES_FROM_ADDRESS
SERVER_EMAIL = SES_FROM_ADDRESS
ADMIN_BCC_ADDRESS = env.str("ADMIN_BCC_ADDRESS", default="")
REPORT_RECIPIENTS = env.list("REPORT_RECIPIENTS", default=[])
# django-ses reads its own names, not AWS_REGION: map them, or sends go to us-east-1.
AWS_REGION = env.str("AWS_REGION", default="us-east-1")
AWS_SES_REGION_NAME = AWS_REGION
AWS_SES_REGION_ENDPOINT = f"email.{AWS_REGION}.amazonaws.com"
AWS_SES_REGION_ENDPOINT_URL = env.str("AWS_SES_REGION_ENDPOINT_URL", default="") or None
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_SES_AUTO_THROTTLE = None  # per process only; delivery does its own pacing
# One try per SES call: botocore retrying by itself could send twice after a timeout; the
# delivery task retries (with backoff) only what surely did not reach SES. (botocore's
# "max_attempts" counts retries after the first try: {"max_attempts": 1} would still retry once.)
AWS_SES_CONFIG = BotocoreConfig(
    retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30
)
AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = env.list("AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS", default=[])

# --- Handoff notes -------------------------------------------------------------------------------
HANDOFF_DIRS = [
    Path(p) if Path(p).is_absolute() else BASE_DIR / p
    for p in env.list("HANDOFF_DIR", default=["examples/handoffs"])
]
# A note is stale once its period has ended this many days ago without a newer one.
HANDOFF_STALE_AFTER_DAYS = 7

# --- Reports -------------------------------------------------------------------------------------
# Stored runs older than this that nothing refers to are pruned daily (a run an email was sent
# from is kept).
REPORT_RUNS_KEEP_DAYS = env.int("REPORT_RUNS_KEEP_DAYS", default=30)
# A report for a date someone picked is not stored; it is kept this long in the shared cache.
REPORT_PICKED_DATE_SECONDS = env.int("REPORT_PICKED_DATE_SECONDS", default=600)

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.broker_url("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="django-db")
CELERY_RESULT_EXTENDED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport wants one existing absolute folder for in and out, and
    # knows nothing of remote control.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # Above the longest ETA we use, so Redis does not redeliver a waiting task early.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 6}

# --- Delivery ------------------------------------------------------------------------------------
# Summed over every worker and process (a shared limiter, see delivery/limiter.py).
SES_MAX_SEND_RATE = env.float("SES_MAX_SEND_RATE", default=1.0)
if SES_MAX_SEND_RATE <= 0:
    raise ImproperlyConfigured("SES_MAX_SEND_RATE must be a positive number of emails a second.")
DELIVERY_QUEUE = env.str("DELIVERY_QUEUE", default="celery")
# Where the shared limiter keeps the next free send slot: the broker's Redis, or a lock file.
DELIVERY_RATE_LIMIT_URL = env.str("DELIVERY_RATE_LIMIT_URL", default="") or (
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"file://{VAR_DIR / 'delivery-send-rate.lock'}"
)
DELIVERY_BODIES_KEEP_DAYS = env.int("DELIVERY_BODIES_KEEP_DAYS", default=90)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)
DELIVERY_RETRY_BACKOFF_SECONDS = env.float("DELIVERY_RETRY_BACKOFF_SECONDS", default=2.0)
DELIVERY_RETRY_BACKOFF_MAX_SECONDS = 600.0
DELIVERY_SWEEP_AFTER_SECONDS = env.int("DELIVERY_SWEEP_AFTER_SECONDS", default=300)
# A send's hard time limit; a row still `sending` after it was interrupted mid-send.
DELIVERY_SEND_TIME_LIMIT = 120

# --- Logging -------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The process id tells the web workers (and the master that forked them) apart.
    "formatters": {
        "plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"},
        # The development server's request lines, as Django writes them.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # No handler writes the token of a one-click link (config/redaction.py): not Django's
    # "Gone: /crew/done/…" warnings, not the development server's request lines.
    "filters": {"signed_links_hidden": {"()": "config.redaction.SignedLinksHidden"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["signed_links_hidden"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["signed_links_hidden"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-axes tells of every sign-in at INFO; failures and lockouts are its warnings.
        "axes": {"level": "WARNING"},
        # Without Django's own handlers (a second, unfiltered console copy under DEBUG, and
        # mail to ADMINS, which is not set): its lines reach the root's handler, once.
        "django": {"level": "INFO"},
        # Django's own setting for runserver's log, with the handler above in place of its own.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
