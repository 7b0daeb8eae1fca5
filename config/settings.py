"""Quarterdeck settings: every value comes from the environment (or the env file it names).

Defaults are the embedded demo set-up: SQLite and a server-less Celery broker under ``var/``, and
email written to files in ``var/outbox/``. Production sets DATABASE_URL, CELERY_BROKER_URL,
EMAIL_BACKEND=django_ses.SESBackend and a real secret key; see .env.example.
"""

from __future__ import annotations

from pathlib import Path

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
    "ninja",  # the crew API docs page serves its Swagger UI from ninja/static
    "config",
    "entities",
    "reports",
    "crew",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    "default": env.db_url_config(
        env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _db_name = str(DATABASES["default"]["NAME"])
    if _db_name and _db_name != ":memory:":
        Path(_db_name).parent.mkdir(parents=True, exist_ok=True)
    # Concurrent writers (web, worker, beat) otherwise meet "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions --------------------------------------------------------------------------
# Every page reads the session: it is kept in the cache, with the database behind it (cached_db),
# which spares a query per page. The cache must be one for every web process, or a session ended
# in one would live on in another's memory: files under var/ by default (one machine), Redis in
# production (CACHE_URL=redis://…); a per-process locmemcache:// is a system-check warning
# outside DEBUG (quarterdeck.W002).
CACHES = {
    "default": env.cache_url_config(
        env.str("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")
    )
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth ----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

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

# --- Handoff notes -------------------------------------------------------------------------------
HANDOFF_DIRS = [
    Path(p) if Path(p).is_absolute() else BASE_DIR / p
    for p in env.list("HANDOFF_DIR", default=["examples/handoffs"])
]
# A note is stale once its period has ended this many days ago without a newer one.
HANDOFF_STALE_AFTER_DAYS = 7

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
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

# --- Logging -------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The process id tells the web workers (and the master that forked them) apart.
    "formatters": {
        "plain": {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
