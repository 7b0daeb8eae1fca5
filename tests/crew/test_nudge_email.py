"""The nudge email: subject, text and HTML, with one signed link per open item."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crew.emails import nudge_email_render
from crew.models import CrewEvent
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


def test_an_event_in_an_unknown_time_zone_says_its_times_are_in_utc(qos):
    crew_event(entity=qos, starts_at=DEPARTS)
    CrewEvent.objects.update(time_zone="Mars/Base")  # the zone database changed under it
    email = nudge_email_render(nudge=_nudge_for("crew-1"), now=NOW)

    said = "time zone \u201cMars/Base\u201d unknown: times in UTC"
    assert f"departs Saturday 5 December 2026, 16:00 UTC ({said})." in email.text
    assert f"16:00 UTC (<strong>{said}</strong>)." in email.html
    assert "(Mars/Base)" not in email.text + email.html
    assert email.subject.endswith("Sat 5 Dec, 16:00 UTC")
    assert "(due Fri 4 Dec, 18:00 UTC)" in email.text


def test_an_event_in_utc_names_its_zone_once(qos):
    crew_event(entity=qos, starts_at=DEPARTS, time_zone="UTC")
    email = nudge_email_render(nudge=_nudge_for("crew-1"), now=NOW)
    assert "departs Saturday 5 December 2026, 16:00 UTC. These" in email.text
    assert "16:00 UTC. These" in email.html
