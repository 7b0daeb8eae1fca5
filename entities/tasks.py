from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from entities.services import FileResult, handoffs_ingest

logger = logging.getLogger(__name__)


@shared_task(name="entities.ingest_handoffs")
def ingest_handoffs() -> dict[str, int]:
    """Re-read HANDOFF_DIR (beat runs it hourly by default; edit the schedule in the admin).
    Safe to run twice: an unchanged note makes nothing new, and a file whose bytes are those of
    the last run is not parsed again."""
    report = handoffs_ingest(
        paths=settings.HANDOFF_DIRS, keep_files=False, on_file=_log_problems
    )
    logger.info("ingest_handoffs: %s", report.summary)
    return report.summary


def _log_problems(result: FileResult) -> None:
    if result.skipped:
        return  # logged when the file was read; the dashboard keeps them meanwhile
    for problem in result.parsed.problems:
        log = logger.error if problem.severity == "error" else logger.warning
        log("%s:%s: %s", result.display_path, problem.line or "-", problem.message)
