"""The rules under concurrent requests and runs, on PostgreSQL, where they really race."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from crew import tasks
from crew.models import ChecklistItem, CrewEvent, Participant
from crew.tokens import token_issue
from tests.crew.conftest import CrewClient, event_body
from tests.crew.factories import crew_event
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time (IMMEDIATE transactions), so these races "
                    "cannot happen there; the PostgreSQL run of the suite tests them.")  # fmt: skip


def _at_once(n: int, work) -> list:
    barrier = threading.Barrier(n)

    def run(i: int):
        barrier.wait()
        try:
            return work(i)
        finally:
            connections.close_all()  # each thread's own connection

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_ten_identical_posts_at_once_leave_exactly_one_event():
    EntityFactory(slug="qos")
    token, _ = token_issue(user_id="cap-1", entity="qos")

    codes = _at_once(10, lambda i: CrewClient(token).post("/events", event_body()).status_code)

    assert sorted(codes) == [200] * 9 + [201]
    assert CrewEvent.objects.count() == 1
    assert Participant.objects.count() == 2 and ChecklistItem.objects.count() == 3


def test_two_bodies_racing_under_one_event_id_make_one_event_and_409s_for_the_other():
    EntityFactory(slug="qos")
    token, _ = token_issue(user_id="cap-1", entity="qos")
    titles = ["Sunset charter", "Whale watch"]

    def post(i: int) -> tuple[str, int]:
        title = titles[i % 2]
        return title, CrewClient(token).post("/events", event_body(title=title)).status_code

    results = Counter(_at_once(10, post))

    stored = CrewEvent.objects.get().title
    other = next(t for t in titles if t != stored)
    assert results == Counter({(stored, 201): 1, (stored, 200): 4, (other, 409): 5})


def test_overlapping_nudge_runs_queue_each_nudge_once(time_machine):
    from delivery.models import Delivery

    departs = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)
    entity = EntityFactory(slug="qos")
    for n in range(5):
        crew_event(entity=entity, starts_at=departs + dt.timedelta(minutes=n), event_id=f"c{n}")
    time_machine.move_to(departs - dt.timedelta(hours=20), tick=False)

    runs = _at_once(4, lambda i: tasks.ptb_nudge())

    assert runs == [{"nudges": 10}] * 4
    # Every run found the same ten nudges; the ledger's unique key let one email through each.
    assert Delivery.objects.filter(kind="crew_nudge").count() == 10
    assert Delivery.objects.values("key").distinct().count() == 10
