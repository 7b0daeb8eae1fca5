"""An event's times read the same wherever they are shown — the Crew page, the event page, a
nudge link's confirm page and the nudge email: in the event's own time zone, named once. A
time zone nobody knows shows UTC and says so, never a 500."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.test import Client

from crew.emails import nudge_email_render
from crew.models import CrewEvent
from crew.services import nudges_due
from tests.crew.factories import crew_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
DEPARTS = dt.datetime(2026, 12, 5, 16, 30, tzinfo=LA)  # 00:30 UTC on Sunday 6 December
NOW = DEPARTS - dt.timedelta(hours=20)


def _text(html: str) -> str:
    """What a reader sees: the markup gone, the white space one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def seen(qos, client, time_machine):
    """The event's four renditions as text: the Crew page, the event page, Dev's confirm page
    for the fuel item, and Dev's nudge email."""

    def read() -> dict[str, str]:
        nudge = next(n for n in nudges_due(now=NOW) if n.participant.user_id == "crew-1")
        email = nudge_email_render(nudge=nudge, now=NOW)
        link = re.findall(r"Mark it done: (\S+)", email.text)[0]
        return {
            "index": _text(client.get("/crew/").text),
            "event": _text(client.get("/crew/qos/charter-1/").text),
            "confirm": _text(Client().get(link.removeprefix("http://127.0.0.1:8000")).text),
            "email": _text(email.text),
        }

    time_machine.move_to(NOW, tick=False)
    client.force_login(UserFactory(is_superuser=True))
    return read


def test_times_are_shown_in_the_events_own_time_zone_everywhere(qos, seen):
    crew_event(entity=qos, starts_at=DEPARTS)  # ends three hours later; fuel due 18:00 UTC
    shown = seen()

    departs = "Sat 5 Dec 2026, 16:30 PST (America/Los_Angeles)"
    assert departs in shown["index"]
    assert "Sat 5 Dec 2026, 16:30\u201319:30 PST (America/Los_Angeles)" in shown["event"]
    assert "Fri 4 Dec, 10:00 PST" in shown["event"]  # fuel's due time, 18:00 UTC
    assert f"departs {departs}" in shown["confirm"]
    assert "departs Saturday 5 December 2026, 16:30 PST (America/Los_Angeles)" in shown["email"]
    assert "(due Fri 4 Dec, 10:00 PST)" in shown["email"]
    for where, text in shown.items():
        assert "6 Dec" not in text and "00:30" not in text, where
        assert "UTC" not in text, where


def test_a_done_time_is_shown_in_the_events_time_zone_too(qos, seen):
    event = crew_event(entity=qos, starts_at=DEPARTS)
    event.checklist.filter(item_id="safety").update(
        done=True, done_by="cap-1", done_at=dt.datetime(2026, 12, 5, 2, 15, tzinfo=dt.UTC)
    )
    assert "by Cora Captain, 4 Dec 18:15 PST" in seen()["event"]


def test_an_event_past_local_midnight_names_both_days(qos, seen):
    crew_event(entity=qos, starts_at=DEPARTS.replace(hour=22, minute=0))
    assert "Sat 5 Dec 2026, 22:00 PST to Sun 6 Dec 2026, 01:00 PST" in seen()["event"]


def test_an_event_over_a_change_of_clocks_names_both_offsets(qos, client, time_machine):
    # Clocks went back at 02:00 PDT on 1 November 2026: 00:30 PDT plus three hours is 02:30 PST.
    time_machine.move_to(dt.datetime(2026, 10, 30, tzinfo=dt.UTC), tick=False)
    client.force_login(UserFactory(is_superuser=True))
    crew_event(entity=qos, starts_at=dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC))
    page = _text(client.get("/crew/qos/charter-1/").text)
    assert "Sun 1 Nov 2026, 00:30 PDT to Sun 1 Nov 2026, 02:30 PST" in page


def test_another_time_zone_is_named_as_its_own(qos, seen):
    crew_event(entity=qos, starts_at=DEPARTS, time_zone="Pacific/Auckland")
    shown = seen()
    # 00:30 UTC is 13:30 in Auckland, in its summer time.
    assert "Sun 6 Dec 2026, 13:30 NZDT (Pacific/Auckland)" in shown["index"]
    assert "Sun 6 Dec 2026, 13:30\u201316:30 NZDT (Pacific/Auckland)" in shown["event"]
    assert "Sunday 6 December 2026, 13:30 NZDT (Pacific/Auckland)" in shown["email"]


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "America", "../../etc/passwd", "UTC "])
def test_an_event_whose_time_zone_is_unknown_shows_utc_and_says_so(qos, seen, name):
    crew_event(entity=qos, starts_at=DEPARTS)
    CrewEvent.objects.update(time_zone=name)  # the API refuses it; the admin or SQL need not
    shown = seen()

    assert "Sun 6 Dec 2026, 00:30 UTC" in shown["index"]
    assert "Sun 6 Dec 2026, 00:30\u201303:30 UTC" in shown["event"]
    assert "Sun 6 Dec 2026, 00:30 UTC" in shown["confirm"]
    for where in ("index", "event", "confirm"):
        assert "unknown: times in UTC" in shown[where], where
    assert "Sunday 6 December 2026, 00:30 UTC" in shown["email"]
    assert f"time zone \u201c{name}\u201d unknown: times in UTC" in shown["email"]
    assert f"({name})" not in shown["email"]
