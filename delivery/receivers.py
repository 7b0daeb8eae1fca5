"""django-ses's SNS event webhook sends signals; these receivers apply them to the ledger.

django-ses sends its signals with ``send``: a receiver that raised would turn into a 500 and make
SNS deliver the event again and again. They log and never raise; the same event twice changes
nothing (ses_event_record keys on the SNS message id).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django_ses import signals

from delivery.services import ses_event_record

logger = logging.getLogger(__name__)


def _sns_message_id(raw_message: bytes | str, mail: dict[str, Any], kind: str) -> str:
    try:
        notification = json.loads(raw_message)
        if notification.get("MessageId"):
            return str(notification["MessageId"])
    except (TypeError, ValueError):
        pass
    # No SNS id to key on: the same body is the same event.
    body = raw_message if isinstance(raw_message, bytes) else str(raw_message).encode()
    return f"sha256:{hashlib.sha256(body).hexdigest()}"


def _receiver(kind: str):
    def receive(sender: Any, mail_obj: dict[str, Any] | None = None, raw_message: Any = b"",
                **kwargs: Any) -> None:
        event = kwargs.get(f"{kind}_obj") or {}
        mail = mail_obj or {}
        try:
            ses_event_record(
                sns_message_id=_sns_message_id(raw_message, mail, kind),
                event_type=kind,
                mail=mail,
                event=event,
            )
        except Exception:
            logger.exception(
                "delivery: could not apply an SES %s event (ses_message_id=%s)",
                kind, mail.get("messageId", "-"),
            )

    receive.__name__ = f"receive_{kind}"
    return receive


receive_bounce = _receiver("bounce")
receive_complaint = _receiver("complaint")
receive_delivery = _receiver("delivery")


def connect() -> None:
    signals.bounce_received.connect(receive_bounce, dispatch_uid="delivery.bounce")
    signals.complaint_received.connect(receive_complaint, dispatch_uid="delivery.complaint")
    signals.delivery_received.connect(receive_delivery, dispatch_uid="delivery.delivery")
