"""System checks for configuration mistakes that would otherwise fail silently."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

from config.env import KNOWN_VARIABLES, env_file_keys, likely_intended


@register(Tags.compatibility)
def check_env_file_keys(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A misspelt key in the env file (SES_FROM_ADRESS) must not fall back to a default unseen."""
    warnings: list[Warning] = []
    for line, key in env_file_keys(settings.ENV_FILE):
        if key in KNOWN_VARIABLES:
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
