"""gunicorn's settings for Quarterdeck's web process: `gunicorn -c config/gunicorn.py`.

The bind address and the number of workers stay on the command line (docker-compose.yml);
this file holds what belongs to the app: which application to serve, and a worker's warm-up.
"""

from __future__ import annotations

import threading
from typing import Any

wsgi_app = "config.wsgi:application"


def post_worker_init(worker: Any) -> threading.Thread:
    """Warm the worker's report row cache in the background as it starts serving, so the
    first reports it builds read only notes it has not seen (see reports.services
    .report_rows_warm). In a thread, not before serving: a large portfolio must not hold the
    worker past gunicorn's timeout. A failure (no database yet) is logged and costs nothing
    but the warm-up."""
    thread = threading.Thread(target=_warm, args=(worker,), name="report-warm-up", daemon=True)
    thread.start()
    return thread


def _warm(worker: Any) -> None:
    from django.db import connection

    from reports.services import report_rows_warm

    try:
        parts = report_rows_warm()
        worker.log.info("report rows warmed: %d parts", parts)
    except Exception:  # a warm-up must never take the worker down
        worker.log.warning("report rows not warmed", exc_info=True)
    finally:
        connection.close()  # this thread's own connection
