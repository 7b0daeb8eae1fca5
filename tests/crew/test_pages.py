"""The Crew pages: upcoming events of the entities a reader may see, readiness, who is behind,
and an event's checklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crew.models import ChecklistItem
from crew.selectors import events_upcoming
from tests.crew.factories import crew_event
from tests.factories import EntityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)  # after fuel was due (18:00)
DEPARTS = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)


def test_readiness_counts_items_done_and_names_who_is_behind(qos):
    event = crew_event(entity=qos, starts_at=DEPARTS)
    ChecklistItem.objects.filter(item_id="safety").update(done=True, done_by="cap-1",
                                                          done_at=NOW)  # fmt: skip
    [readiness] = events_upcoming(entity_ids=[qos.pk], now=NOW)
    assert readiness.event == event
    assert (readiness.items_done, readiness.items_total, readiness.percent_done) == (1, 3, 33)
    assert readiness.behind == ["Dev Deckhand"]  # fuel was due at 18:00 and is open


def test_an_event_without_a_checklist_says_so_not_0_of_0(client, qos, time_machine):
    time_machine.move_to(NOW, tick=False)
    crew_event(entity=qos, starts_at=DEPARTS, checklist=[])
    [readiness] = events_upcoming(entity_ids=[qos.pk], now=NOW)
    assert (readiness.items_total, readiness.percent_done) == (0, None)

    client.force_login(UserFactory(is_superuser=True))
    row = client.get("/crew/").text.split('class="readiness">', 1)[1].split("</td>", 1)[0]
    assert "no checklist" in row
    assert "<progress" not in row and "0 / 0" not in row


def test_upcoming_means_not_ended_and_starting_within_the_days(qos):
    crew_event(entity=qos, starts_at=NOW - dt.timedelta(hours=1), event_id="under-way")
    crew_event(entity=qos, starts_at=NOW - dt.timedelta(days=1), event_id="over")
    crew_event(entity=qos, starts_at=NOW + dt.timedelta(days=13), event_id="soon")
    crew_event(entity=qos, starts_at=NOW + dt.timedelta(days=15), event_id="later")
    ids = [r.event.event_id for r in events_upcoming(entity_ids=[qos.pk], now=NOW)]
    assert ids == ["under-way", "soon"]
    assert len(events_upcoming(entity_ids=[qos.pk], now=NOW, days=30)) == 3


def test_events_upcoming_reads_in_three_queries_whatever_the_number(qos):
    for n in range(15):
        crew_event(entity=qos, starts_at=DEPARTS + dt.timedelta(hours=n), event_id=f"c{n}")
    with CaptureQueriesContext(connection) as queries:
        rows = events_upcoming(entity_ids=[qos.pk], now=NOW)
        [(r.event.entity.name, r.behind) for r in rows]
    assert len(rows) == 15 and len(queries) == 3


def test_the_crew_page_shows_only_the_entities_the_reader_may_see(client, qos):
    jada = EntityFactory(slug="jada", name="JADA")
    crew_event(entity=qos, starts_at=DEPARTS, title="QOS sunset")
    crew_event(entity=jada, starts_at=DEPARTS, title="JADA regatta")
    reader = UserFactory()
    MembershipFactory(user=reader, entity=qos)
    client.force_login(reader)

    page = client.get("/crew/")
    assert page.status_code == 200
    assert "QOS sunset" in page.text and "JADA regatta" not in page.text
    assert "0 / 3 done" in page.text
    assert client.get("/crew/jada/charter-1/").status_code == 404
    assert client.get("/crew/qos/charter-1/").status_code == 200


def test_the_event_page_shows_its_checklist_and_who_did_what(client, qos, time_machine):
    time_machine.move_to(NOW, tick=False)
    crew_event(entity=qos, starts_at=DEPARTS)
    ChecklistItem.objects.filter(item_id="safety").update(done=True, done_by="cap-1",
                                                          done_at=NOW)  # fmt: skip
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/crew/qos/charter-1/").text
    assert "Fuel to 90%" in page and "overdue" in page
    assert "by Cora Captain," in page and "cap-1" not in page
    assert "Cora Captain" in page


def test_the_event_page_names_someone_not_on_the_crew_by_their_id(client, qos):
    crew_event(entity=qos, starts_at=DEPARTS)
    ChecklistItem.objects.filter(item_id="ice").update(done=True, done_by="harbour-7",
                                                       done_at=NOW)  # fmt: skip
    client.force_login(UserFactory(is_superuser=True))
    assert "by harbour-7," in client.get("/crew/qos/charter-1/").text


def _page_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_event_page_reads_in_a_fixed_number_of_queries(client, qos):
    people = [{"user_id": f"u{n}", "name": f"Sailor {n}", "email": f"s{n}@example.com",
               "role": "crew"} for n in range(30)]  # fmt: skip
    items = [{"item_id": f"i{n}", "label": f"Item {n}", "assignee": f"u{n}"} for n in range(30)]
    crew_event(entity=qos, starts_at=DEPARTS, event_id="small", participants=people[:1],
               checklist=items[:1])  # fmt: skip
    crew_event(entity=qos, starts_at=DEPARTS, event_id="large", participants=people,
               checklist=items)  # fmt: skip
    ChecklistItem.objects.update(done=True, done_by="u0", done_at=NOW)
    client.force_login(UserFactory(is_superuser=True))

    small = _page_queries(client, "/crew/qos/small/")
    large = _page_queries(client, "/crew/qos/large/")
    assert large == small
    assert client.get("/crew/qos/large/").text.count("by Sailor 0,") == 30


def test_the_crew_page_reads_in_a_fixed_number_of_queries(client, qos):
    client.force_login(UserFactory(is_superuser=True))
    crew_event(entity=qos, starts_at=DEPARTS, event_id="c0")
    few = _page_queries(client, "/crew/")
    for n in range(1, 12):
        crew_event(
            entity=qos,
            starts_at=DEPARTS + dt.timedelta(hours=n),
            event_id=f"c{n}",
            time_zone=["Europe/Lisbon", "Asia/Tokyo", "America/Los_Angeles"][n % 3],
        )
    assert _page_queries(client, "/crew/") == few


def test_the_crew_pages_need_a_sign_in(client, qos):
    assert client.get("/crew/").status_code == 302
    assert client.get("/crew/qos/charter-1/").status_code == 302


def test_a_reader_with_no_events_is_told_so(client, qos):
    client.force_login(UserFactory(is_superuser=True))
    assert "No upcoming charter events" in client.get("/crew/").text
