"""System checks for configuration mistakes that would otherwise fail silently."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from config.env import COMPOSE_VARIABLES, KNOWN_VARIABLES, env_file_keys, likely_intended


@register(Tags.compatibility)
def check_env_file_keys(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A misspelt key in the env file (SES_FROM_ADRESS) must not fall back to a default unseen."""
    warnings: list[Warning] = []
    for line, key in env_file_keys(settings.ENV_FILE):
        if key in KNOWN_VARIABLES or key in COMPOSE_VARIABLES:
            continue
        guess = likely_intended(key)
        hint = f"Did you mean {guess}?" if guess else "See .env.example for the known variables."
        warnings.append(
            Warning(
                f"{settings.ENV_FILE.name} line {line}: unknown variable {key}; it is ignored.",
                hint=hint,
                id="quarterdeck.W001",
            )
        )
    return warnings


@register(Tags.caches)
def check_cache_is_shared(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Sessions live in the cache: a per-process cache lets a session ended in one web process
    (a logout) live on in the others until it expires there."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or not backend.endswith("LocMemCache"):
        return []
    return [
        Warning(
            "CACHE_URL is a per-process memory cache, and sessions are kept in the cache: a "
            "session ended in one web process would live on in the others.",
            hint="Use redis://… (production) or filecache:///path (one machine).",
            id="quarterdeck.W002",
        )
    ]


@register(Tags.security, deploy=True)
def check_links_and_sender(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Every email's links (unsubscribe, nudges, report pages) start with SITE_URL; left at
    its local default, they are dead for every recipient, and nothing else would say so."""
    warnings: list[Warning] = []
    host = urlsplit(settings.SITE_URL).hostname or ""
    if not settings.DEBUG and (host in {"127.0.0.1", "localhost", "::1"} or
                               host.endswith(".localhost")):  # fmt: skip
        warnings.append(
            Warning(
                f"SITE_URL is {settings.SITE_URL}: the links in every email (unsubscribe, "
                "checklist nudges, reports) would point at this machine, not your site.",
                hint="Set SITE_URL to the address people open, e.g. https://reports.example.com.",
                id="quarterdeck.W003",
            )
        )
    sender = parseaddr(settings.SES_FROM_ADDRESS)[1]
    if settings.EMAIL_BACKEND == "django_ses.SESBackend" and sender.endswith(".localhost"):
        warnings.append(
            Warning(
                f"SES_FROM_ADDRESS is {sender}: SES refuses to send from an address it has "
                "not verified, and a .localhost one never can be.",
                hint="Set SES_FROM_ADDRESS to a verified identity (python manage.py check_ses).",
                id="quarterdeck.W004",
            )
        )
    return warnings


@register(Tags.staticfiles, deploy=True)
def check_static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """With hashed static names every page looks its stylesheet up in the manifest that
    collectstatic writes: without it, every page is a 500 (the Dockerfile collects at build;
    an install without Docker must run it once per deploy)."""
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if settings.DEBUG or "Manifest" not in storage or manifest.is_file():
        return []
    return [
        Error(
            f"No static files manifest at {manifest}: every page would be a 500.",
            hint="Run python manage.py collectstatic --noinput (each deploy, before starting).",
            id="quarterdeck.E001",
        )
    ]
