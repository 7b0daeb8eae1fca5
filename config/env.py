"""Strict reading of the environment.

django-environ does the reading (env files, URLs, lists); what it does loosely we do strictly:
its ``bool`` turns any unknown word into False, so a typo like ``DJANGO_DEBUG=flase`` would quietly
mean "off". Here a value that is not clearly true or false stops start-up with a clear message.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "n", "f", ""})

# Every variable the project reads. The unknown-key check compares an env file against this list,
# and .env.example documents each one (a test keeps the two in step).
KNOWN_VARIABLES: frozenset[str] = frozenset(
    {
        "ENV_FILE",
        "DJANGO_SECRET_KEY",
        "DJANGO_DEBUG",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_LOG_LEVEL",
        "DATABASE_URL",
        "DATABASE_CONN_MAX_AGE",
        "CACHE_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "EMAIL_BACKEND",
        "EMAIL_FILE_PATH",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SES_REGION_ENDPOINT_URL",
        "SES_FROM_ADDRESS",
        "ADMIN_BCC_ADDRESS",
        "REPORT_RECIPIENTS",
        "REPORT_RUNS_KEEP_DAYS",
        "REPORT_PICKED_DATE_SECONDS",
        "HANDOFF_DIR",
        "CREW_JWT_SECRET",
        "CREW_JWT_KID",
        "CREW_JWT_SECRETS",
        "CREW_NUDGE_HOURS",
        "SITE_URL",
        "AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS",
        "SES_MAX_SEND_RATE",
        "DELIVERY_QUEUE",
        "DELIVERY_RATE_LIMIT_URL",
        "DELIVERY_BODIES_KEEP_DAYS",
        "DELIVERY_MAX_ATTEMPTS",
        "DELIVERY_RETRY_BACKOFF_SECONDS",
        "DELIVERY_SWEEP_AFTER_SECONDS",
        "DJANGO_TRUSTED_PROXY_COUNT",
        "LOGIN_FAILURE_LIMIT",
        "LOGIN_COOLOFF_MINUTES",
    }
)

# Read by docker compose from the same .env (interpolated into docker-compose.yml), not by the
# settings: known, so the unknown-key check does not flag them.
COMPOSE_VARIABLES: frozenset[str] = frozenset({"POSTGRES_PASSWORD", "HANDOFF_HOST_DIR"})

_DATABASE_ENGINES = frozenset({"django.db.backends.sqlite3", "django.db.backends.postgresql"})
_BROKER_SCHEMES = ("redis://", "rediss://", "filesystem://")

_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


class StrictEnv(environ.Env):
    """environ.Env whose booleans refuse anything but a clear yes or no, and whose strings and
    lists lose the spaces an inline comment leaves behind."""

    def str(self, var: str, default: object = environ.Env.NOTSET, multiline: bool = False) -> str:  # type: ignore[override]
        value = super().str(var, default=default, multiline=multiline)
        return value.strip() if isinstance(value, str) else value

    def list(self, var: str, default: object = environ.Env.NOTSET) -> list[str]:  # type: ignore[override]
        value = super().list(var, default=default)
        return [item.strip() for item in value if str(item).strip()]

    def int(self, var: str, default: object = environ.Env.NOTSET) -> int:  # type: ignore[override]
        raw = self.get_value(var, cast=str, default=default)
        if isinstance(raw, int):
            return raw
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ImproperlyConfigured(f"{var}={raw!r} is not a whole number.") from None

    def float(self, var: str, default: object = environ.Env.NOTSET) -> float:  # type: ignore[override]
        raw = self.get_value(var, cast=str, default=default)
        if isinstance(raw, float | int) and not isinstance(raw, bool):
            return float(raw)
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ImproperlyConfigured(f"{var}={raw!r} is not a number.") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ImproperlyConfigured(f"{var}={raw!r} is not a finite number.")
        return value

    def database_url(self, var: str, default: str) -> dict[str, Any]:
        """The database a URL names, or a message naming the variable: only SQLite and
        PostgreSQL are run and tested (django-environ takes any word as a URL)."""
        raw = self.str(var, default=default)
        config = self.db_url_config(raw) if "://" in raw else {}
        if config.get("ENGINE") not in _DATABASE_ENGINES:
            scheme = raw.split("://", 1)[0][:20] if "://" in raw else "none"
            raise ImproperlyConfigured(
                f"{var} is not a database URL Quarterdeck runs on (its scheme: {scheme!r}): "
                "use postgres://user:password@host:5432/name or sqlite:////absolute/path.db."
            )  # the scheme only: the rest of the URL may hold a password
        return config

    def cache_url(self, var: str, default: str) -> dict[str, Any]:
        raw = self.str(var, default=default)
        try:
            return self.cache_url_config(raw)
        except (ImproperlyConfigured, KeyError, ValueError):
            raise ImproperlyConfigured(
                f"{var} is not a cache URL: use redis://host:6379/1, filecache:///absolute/path "
                "or locmemcache://."
            ) from None

    def broker_url(self, var: str, default: str) -> str:
        raw = self.str(var, default=default)
        if not raw.startswith(_BROKER_SCHEMES):
            raise ImproperlyConfigured(
                f"{var} is not a broker URL Quarterdeck runs on: use redis://host:6379/0 "
                "(production) or filesystem:// (the embedded demo broker)."
            )
        return raw

    def bool(self, var: str, default: object = environ.Env.NOTSET) -> bool:  # type: ignore[override]
        raw = self.get_value(var, cast=str, default=default)
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(
            f"{var}={raw!r} is not a boolean: use one of true/false, yes/no, on/off, 1/0."
        )


def env_file_keys(path: Path) -> list[tuple[int, str]]:
    """The (line number, key) pairs an env file sets, in order."""
    if not path.is_file():
        return []
    keys: list[tuple[int, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _ENV_LINE.match(line)
        if match:
            keys.append((number, match.group(1)))
    return keys


def likely_intended(key: str) -> str | None:
    """The known variable a misspelt key most probably meant, if any is close enough."""
    matches = difflib.get_close_matches(key.upper(), sorted(KNOWN_VARIABLES), n=1, cutoff=0.75)
    return matches[0] if matches else None


def env_file_path(base_dir: Path) -> Path:
    path = Path(os.environ.get("ENV_FILE", ".env"))
    return path if path.is_absolute() else base_dir / path
