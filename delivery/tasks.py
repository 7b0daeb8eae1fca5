"""Thin tasks: each takes an id (or nothing), calls one service and logs what it did."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings

from delivery.services import deliveries_sweep, delivery_bodies_prune, delivery_send

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="delivery.send",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # delivery_send bounds the attempts (DELIVERY_MAX_ATTEMPTS)
    soft_time_limit=settings.DELIVERY_SEND_TIME_LIMIT - 10,
    time_limit=settings.DELIVERY_SEND_TIME_LIMIT,
)
def send_delivery(self: Task, delivery_id: int) -> str:
    """Send one Delivery; safe to run twice (the row's claim lets one send)."""
    outcome = delivery_send(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        # The row is queued again with its next time; if this retry message is lost, the
        # sweeper queues it anyway.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="delivery.sweep")
def sweep_deliveries() -> dict[str, int]:
    """Queue again what was left queued; mark interrupted sends uncertain (beat, every minute)."""
    result = deliveries_sweep()
    return {"requeued": result.requeued, "uncertain": result.uncertain}


@shared_task(name="delivery.prune_bodies")
def prune_delivery_bodies() -> int:
    """Empty old deliveries' stored bodies, keeping their ledger rows (beat, daily)."""
    return delivery_bodies_prune()
