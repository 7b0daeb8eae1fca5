"""Crew events made through the service the API uses, so tests see what a post would store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crew.models import CrewEvent
from crew.schemas import EventIn
from crew.services import event_post
from entities.models import Entity
from tests.crew.conftest import event_body


def crew_event(
    *, entity: Entity, starts_at: dt.datetime, event_id: str = "charter-1", **overrides: Any
) -> CrewEvent:
    body = event_body(event_id, starts_at=starts_at.isoformat(),
                      ends_at=(starts_at + dt.timedelta(hours=3)).isoformat(),
                      **overrides)  # fmt: skip
    posted, _ = event_post(entity=entity, created_by="cap-1", data=EventIn.model_validate(body))
    return posted.event
