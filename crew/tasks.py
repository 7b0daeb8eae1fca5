from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from crew.services import nudge_send, nudges_due

logger = logging.getLogger(__name__)


@shared_task(name="crew.ptb_nudge")
def ptb_nudge() -> dict[str, int]:
    """Checklist nudges due now (beat runs it every 15 minutes by default; edit the schedule in
    the admin). Safe to run twice or side by side: each nudge is keyed per event, participant
    and window, and delivery sends one per key."""
    now = timezone.now()
    nudges = nudges_due(now=now)
    for nudge in nudges:
        nudge_send(nudge=nudge, now=now)
    logger.info("ptb_nudge: %d nudges due", len(nudges))
    return {"nudges": len(nudges)}
