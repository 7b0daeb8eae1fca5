"""Events past their date are pruned with their rows; recent ones stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from crew.models import ChecklistItem, CrewEvent, Participant
from tests.crew.factories import crew_event

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def test_prune_deletes_events_that_ended_long_ago_with_their_rows(qos, time_machine, capsys):
    time_machine.move_to(NOW, tick=False)
    crew_event(entity=qos, starts_at=NOW - dt.timedelta(days=200), event_id="old")
    crew_event(entity=qos, starts_at=NOW - dt.timedelta(days=10), event_id="recent")

    call_command("prune_crew_events", "--dry-run")
    assert "would delete 1 events" in capsys.readouterr().out
    assert CrewEvent.objects.count() == 2

    call_command("prune_crew_events")
    assert "deleted 1 events" in capsys.readouterr().out
    assert list(CrewEvent.objects.values_list("event_id", flat=True)) == ["recent"]
    assert Participant.objects.count() == 2 and ChecklistItem.objects.count() == 3
