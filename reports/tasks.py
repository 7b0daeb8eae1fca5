from __future__ import annotations

import logging

from celery import shared_task

from reports.services import report_runs_prune

logger = logging.getLogger(__name__)


@shared_task(name="reports.prune_report_runs")
def prune_report_runs() -> int:
    """Delete old report runs nothing refers to (beat runs it daily; edit it in the admin)."""
    deleted = report_runs_prune()
    logger.info("prune_report_runs: %d rows deleted", deleted)
    return deleted
