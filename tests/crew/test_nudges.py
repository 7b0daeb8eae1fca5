"""Which nudges are due when: one per participant with open items, in the window the event is
in, with a key that makes "at most one per event per window" the ledger's unique key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from crew.models import ChecklistItem
from crew.services import nudge_window, nudges_due
from crew.tasks import ptb_nudge
from tests.crew.factories import crew_event

pytestmark = pytest.mark.django_db

DEPARTS = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)
HOURS = [48, 24, 2]


@pytest.mark.parametrize(
    ("ahead", "window"),
    [(dt.timedelta(hours=49), None), (dt.timedelta(hours=48), "48h"),
     (dt.timedelta(hours=30), "48h"), (dt.timedelta(hours=24), "24h"),
     (dt.timedelta(hours=2, seconds=1), "24h"), (dt.timedelta(hours=2), "2h"),
     (dt.timedelta(minutes=1), "2h"), (dt.timedelta(0), None), (dt.timedelta(hours=-1), None)],
)  # fmt: skip
def test_the_window_is_the_smallest_offset_still_ahead_of_departure(ahead, window):
    assert nudge_window(starts_at=DEPARTS, now=DEPARTS - ahead, hours=HOURS) == window


def test_each_participant_with_open_items_gets_one_nudge_listing_them(qos, time_machine):
    event = crew_event(entity=qos, starts_at=DEPARTS)
    time_machine.move_to(DEPARTS - dt.timedelta(hours=20), tick=False)

    nudges = nudges_due(now=DEPARTS - dt.timedelta(hours=20))

    by_who = {n.participant.user_id: n for n in nudges}
    assert sorted(by_who) == ["cap-1", "crew-1"]
    assert [i.item_id for i in by_who["crew-1"].items] == ["fuel", "ice"]
    assert [i.item_id for i in by_who["cap-1"].items] == ["safety"]
    assert {n.window for n in nudges} == {"24h"}
    crew = by_who["crew-1"]
    assert crew.key == f"crew:event={event.pk}:participant={crew.participant.pk}:window=24h"


def test_done_items_are_not_nudged_and_nobody_without_open_items_is(qos):
    crew_event(entity=qos, starts_at=DEPARTS)
    ChecklistItem.objects.filter(item_id__in=["fuel", "ice"]).update(
        done=True, done_by="crew-1", done_at=DEPARTS - dt.timedelta(days=3)
    )
    nudges = nudges_due(now=DEPARTS - dt.timedelta(hours=20))
    assert [(n.participant.user_id, [i.item_id for i in n.items]) for n in nudges] == [
        ("cap-1", ["safety"])
    ]


def test_runs_within_one_window_find_the_same_keys_and_the_next_window_new_ones(qos):
    crew_event(entity=qos, starts_at=DEPARTS)

    def keys(hours_ahead: float) -> set[str]:
        return {n.key for n in nudges_due(now=DEPARTS - dt.timedelta(hours=hours_ahead))}

    assert keys(47) == keys(30) == keys(24.01)  # every 15 minutes in the 48h window: one key each
    assert keys(23) == keys(2.5)
    assert keys(47).isdisjoint(keys(23)) and keys(23).isdisjoint(keys(1))
    assert len(keys(47) | keys(23) | keys(1)) == 6  # 2 people x 3 windows, at most
    assert keys(49) == keys(0) == set()


def test_events_far_ahead_or_departed_are_not_nudged(qos):
    crew_event(entity=qos, starts_at=DEPARTS, event_id="far")
    crew_event(entity=qos, starts_at=DEPARTS - dt.timedelta(days=3), event_id="gone")
    assert nudges_due(now=DEPARTS - dt.timedelta(hours=72)) == []
    assert {n.event.event_id for n in nudges_due(now=DEPARTS - dt.timedelta(hours=1))} == {"far"}


def test_the_offsets_come_from_settings(qos, settings):
    settings.CREW_NUDGE_HOURS = [72, 6]
    crew_event(entity=qos, starts_at=DEPARTS)
    assert {n.window for n in nudges_due(now=DEPARTS - dt.timedelta(hours=60))} == {"72h"}
    assert {n.window for n in nudges_due(now=DEPARTS - dt.timedelta(hours=5))} == {"6h"}


def test_nudges_due_reads_in_three_queries_whatever_the_number_of_events(qos):
    for n in range(12):
        crew_event(entity=qos, starts_at=DEPARTS + dt.timedelta(minutes=n), event_id=f"c{n}")
    with CaptureQueriesContext(connection) as queries:
        nudges = nudges_due(now=DEPARTS - dt.timedelta(hours=20))
        [(n.event.entity.name, n.participant.email, list(n.items)) for n in nudges]
    assert len(nudges) == 24
    assert len(queries) == 3


def test_beat_runs_ptb_nudge_every_15_minutes_from_an_editable_schedule():
    task = PeriodicTask.objects.get(task="crew.ptb_nudge")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (15, "minutes")


def test_the_task_hands_each_due_nudge_to_nudge_send(qos, time_machine, monkeypatch):
    crew_event(entity=qos, starts_at=DEPARTS)
    time_machine.move_to(DEPARTS - dt.timedelta(hours=1), tick=False)
    sent = []
    monkeypatch.setattr("crew.tasks.nudge_send", lambda *, nudge, now: sent.append((nudge, now)))

    assert ptb_nudge() == {"nudges": 2}
    assert sorted(n.participant.user_id for n, _ in sent) == ["cap-1", "crew-1"]
    assert {now for _, now in sent} == {DEPARTS - dt.timedelta(hours=1)}


def test_the_task_queues_one_nudge_per_participant_and_window_in_the_delivery_ledger(
    qos, time_machine, caplog
):
    from delivery.models import Delivery

    crew_event(entity=qos, starts_at=DEPARTS)
    time_machine.move_to(DEPARTS - dt.timedelta(hours=1), tick=False)
    caplog.set_level("INFO")
    assert ptb_nudge() == {"nudges": 2}
    assert ptb_nudge() == {"nudges": 2}  # the next run, in the same window: nothing new

    nudges = Delivery.objects.filter(kind="crew_nudge").order_by("to")
    assert nudges.count() == 2 and all(d.key.endswith(":window=2h") for d in nudges)
    assert all(d.body_text and d.body_html and d.subject for d in nudges)
    assert "crew nudge queued key=crew:event=" in caplog.text
    time_machine.move_to(DEPARTS - dt.timedelta(minutes=10), tick=False)
    ptb_nudge()
    assert Delivery.objects.filter(kind="crew_nudge").count() == 2
