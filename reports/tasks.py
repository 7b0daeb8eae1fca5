from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from reports.models import Recipient, ScheduledSend
from reports.sending import (
    report_send_to_address,
    report_send_to_recipients,
    schedules_send_due,
)
from reports.services import report_runs_prune

logger = logging.getLogger(__name__)


@shared_task(name="reports.prune_report_runs")
def prune_report_runs() -> int:
    """Delete old report runs nothing refers to (beat runs it daily; edit it in the admin)."""
    deleted = report_runs_prune()
    logger.info("prune_report_runs: %d rows deleted", deleted)
    return deleted


@shared_task(name="reports.send_scheduled_reports")
def send_scheduled_reports() -> int:
    """Claim and queue the scheduled report emails that are due (beat runs it every five
    minutes; the schedules themselves are ReportSchedule rows, in each recipient's time zone)."""
    return schedules_send_due()


@shared_task(name="reports.send_report_to_recipients")
def send_report_to_recipients(
    persona: str, recipient_ids: list[int], day: str, scheduled_ids: list[int] | None = None
) -> str:
    """Render one persona's email run for recipients who share a scope, and queue each one's
    delivery. Safe to run twice: the run and every delivery are unique on their keys."""
    recipients = list(Recipient.objects.filter(pk__in=recipient_ids).select_related("user"))
    scheduled = {
        send.recipient_id: send for send in ScheduledSend.objects.filter(pk__in=scheduled_ids or [])
    }
    summary = report_send_to_recipients(
        persona=persona,
        recipients=recipients,
        today=dt.date.fromisoformat(day),
        scheduled=scheduled,
    )
    return str(summary)


@shared_task(name="reports.send_report_to_address")
def send_report_to_address(persona: str, to: str, entity_slug: str | None, day: str) -> int:
    """Render one persona's email for the portfolio (or one entity) and queue it to an address
    given by hand (`send_reports --to`); once per run and address."""
    delivery, _ = report_send_to_address(
        persona=persona, to=to, entity_slug=entity_slug, today=dt.date.fromisoformat(day)
    )
    return delivery.pk
