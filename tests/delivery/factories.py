from __future__ import annotations

from typing import Any

from delivery.models import Delivery
from delivery.services import delivery_queue


def queue(key: str = "test:1", **overrides: Any) -> tuple[Delivery, bool]:
    """delivery_queue with a plain message; any argument can be overridden."""
    fields: dict[str, Any] = {
        "key": key,
        "kind": "test",
        "to": "owner@example.com",
        "subject": "CFO report · Portfolio · 2026-11-25",
        "body_text": "Cash: $1.2M\n",
        "body_html": "<p>Cash: <b>$1.2M</b></p>",
        "headers": {"List-Unsubscribe": "<https://example.com/u/abc>"},
        "bcc": ["audit@example.com"],
    }
    fields.update(overrides)
    return delivery_queue(**fields)
