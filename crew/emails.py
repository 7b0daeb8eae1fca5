"""The nudge email: one function, three templates (subject, plain text, HTML), as delivery
will send them. Each open item gets its own signed link to a confirm page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone

from crew.links import link_max_age, link_url

if TYPE_CHECKING:
    from crew.services import Nudge


@dataclass(frozen=True, slots=True)
class NudgeEmail:
    subject: str
    text: str
    html: str


def nudge_email_render(*, nudge: Nudge, now: dt.datetime) -> NudgeEmail:
    event = nudge.event
    context = {
        "event": event,
        "participant": nudge.participant,
        "window": nudge.window,
        "items": [
            {
                "item": item,
                "url": link_url(item_pk=item.pk, user_id=nudge.participant.user_id),
            }
            for item in nudge.items
        ],
        "links_expire": now + link_max_age(),
    }
    # Times read as the crew reads them: in the event's own time zone (UTC if it has none we
    # know, rather than no email).
    with timezone.override(event.zone):
        subject = render_to_string("emails/crew-nudge-subject.txt", context)
        text = render_to_string("emails/crew-nudge-body-text.txt", context)
        html = render_to_string("emails/crew-nudge-body-html.html", context)
    # A header is one line, whatever the title held.
    return NudgeEmail(subject=" ".join(subject.split()), text=text, html=html)
