"""gunicorn's settings for Quarterdeck's web process: `gunicorn -c config/gunicorn.py`.

The bind address and the number of workers stay on the command line (docker-compose.yml);
this file holds what belongs to the app: which application to serve, loaded once in the master
(preload), and the report rows read into memory there before any worker is forked.
"""

from __future__ import annotations

import gc
from typing import Any

wsgi_app = "config.wsgi:application"
# The app is loaded in the master and the workers are forked from it, so what the master reads
# before forking (below) every worker has from its first request, and shares until it changes.
# A deploy restarts gunicorn (a HUP would not reload the code).
preload_app = True


def when_ready(server: Any) -> None:
    """Before the first worker is forked: read into the report row cache every persona's rows
    for every entity (reports.services.report_rows_warm), so that no worker ever builds a
    report from an empty cache; each later reads only the notes that arrive after. A failure
    (no database yet) is logged, and the workers read rows as reports ask for them."""
    from django.db import connections

    from reports.services import report_rows_warm

    try:
        parts = report_rows_warm()
        server.log.info("report rows warmed: %d parts", parts)
    except Exception:  # a warm-up must never keep the server from starting
        server.log.warning("report rows not warmed", exc_info=True)
    finally:
        connections.close_all()  # no database connection may cross the fork
    # Python's advice for a server that forks: what the master made is never scanned by the
    # collector again, so the workers' shared copies of it stay shared.
    gc.freeze()
