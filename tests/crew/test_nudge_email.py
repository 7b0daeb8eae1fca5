"""The nudge email: subject, text and HTML, with one signed link per open item."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crew.emails import nudge_email_render
from crew.services import nudges_due
from tests.crew.factories import crew_event

pytestmark = pytest.mark.django_db

DEPARTS = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)
NOW = DEPARTS - dt.timedelta(hours=20)


def _nudge_for(user_id: str):
    return next(n for n in nudges_due(now=NOW) if n.participant.user_id == user_id)


def test_the_email_lists_the_open_items_with_a_link_each(qos, settings):
    settings.SITE_URL = "https://reports.example.com"
    crew_event(entity=qos, starts_at=DEPARTS)
    email = nudge_email_render(nudge=_nudge_for("crew-1"), now=NOW)

    # Departure in the event's own time zone (16:00 UTC is 08:00 in San Diego).
    assert email.subject == "2 open items before Sunset charter, Sat 5 Dec, 08:00 PST"
    assert "Hello Dev Deckhand," in email.text
    assert "- Fuel to 90% (due Fri 4 Dec, 10:00 PST)" in email.text
    assert "- Ice in the cooler\n" in email.text
    text_links = re.findall(r"Mark it done: (\S+)", email.text)
    html_links = re.findall(r'class="nudge-link" href="([^"]+)"', email.html)
    assert len(text_links) == 2 and html_links == text_links
    assert all(u.startswith("https://reports.example.com/crew/done/") for u in text_links)
    assert "Safety briefing" not in email.text  # the captain's item, not Dev's


def test_labels_are_escaped_in_html_and_the_subject_is_one_line(qos):
    crew_event(entity=qos, starts_at=DEPARTS, title="Whale\nwatch <b>VIP</b>",
               checklist=[{"item_id": "x", "label": "<script>alert(1)</script>",
                           "assignee": "crew-1"}])  # fmt: skip
    email = nudge_email_render(nudge=_nudge_for("crew-1"), now=NOW)
    assert "\n" not in email.subject and "Whale watch <b>VIP</b>" in email.subject
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "<script>alert(1)</script>" in email.text  # plain text is not HTML
