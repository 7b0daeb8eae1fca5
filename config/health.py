"""/healthz: is the database answering, the broker, and the cache (every session is read from
it: with the cache down, nobody can sign in)?

The answer names what is down and nothing more: anyone can reach this URL, so the reason (an
exception's text, a folder's path) goes to the log, where the operator looks, not to the body.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down"; the log keeps which one
        logger.warning("healthz: the database does not answer", exc_info=True)
        return False
    return True


def cache_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=30)
        answered = cache.get("healthz") == "ok"
    except Exception:  # redis, a full disk: each backend raises its own
        logger.warning("healthz: the cache does not answer", exc_info=True)
        return False
    if not answered:
        logger.warning("healthz: the cache kept nothing it was given")
    return answered


def broker_ok() -> bool:
    options = celery_app.conf.broker_transport_options or {}
    if str(celery_app.conf.broker_url).startswith("filesystem://"):
        # The embedded broker is a folder: it answers when the folder is there and writable.
        folder = Path(options.get("data_folder_in", ""))
        if folder.is_dir() and os.access(folder, os.W_OK):
            return True
        logger.warning("healthz: the broker folder %s is missing or not writable", folder)
        return False
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # kombu raises a driver-specific error per transport
        logger.warning("healthz: the broker does not answer", exc_info=True)
        return False
    return True


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_ok(), "cache": cache_ok(), "broker": broker_ok()}
    down = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "ok" if not down else "down",
        "down": down,
        "checks": {name: "ok" if ok else "down" for name, ok in checks.items()},
    }
    return JsonResponse(body, status=503 if down else 200)
