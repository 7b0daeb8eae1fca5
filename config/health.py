"""/healthz: is the database answering, and is the broker?"""

from __future__ import annotations

import os
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app


def database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the type names the cause
        return False, type(exc).__name__
    return True, "ok"


def broker_ok() -> tuple[bool, str]:
    options = celery_app.conf.broker_transport_options or {}
    if str(celery_app.conf.broker_url).startswith("filesystem://"):
        # The embedded broker is a folder: it answers when the folder is there and writable.
        folder = Path(options.get("data_folder_in", ""))
        if folder.is_dir() and os.access(folder, os.W_OK):
            return True, "ok"
        return False, f"broker folder {folder} missing or not writable"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises a driver-specific error per transport
        return False, type(exc).__name__
    return True, "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_ok(), "broker": broker_ok()}
    down = [name for name, (ok, _) in checks.items() if not ok]
    body = {
        "status": "ok" if not down else "down",
        "down": down,
        "checks": {name: detail for name, (_, detail) in checks.items()},
    }
    return JsonResponse(body, status=503 if down else 200)
