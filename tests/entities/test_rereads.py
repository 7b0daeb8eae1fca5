"""A note edited and read again is its period's note from then on: history keeps one snapshot
per period, what changed is measured against the period before, and sums count it once."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from entities.models import Entity, Snapshot, SourceFile
from entities.selectors import entity_overviews, snapshots_newest
from entities.services import handoffs_ingest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTE = """---
name: {name}
slug: jada
kind: {kind}
period: {period}
---
# JADA — Handoff

## Financials
| Line | Amount |
|---|---|
| Revenue | {revenue} |

## KPIs
| KPI | Value | Target |
|---|---|---|
| Active venues | {venues} | 60 |
"""


def write(path: Path, *, period: str, revenue: str, venues: int, name: str = "JADA",
          kind: str = "core", age_s: int = 3600) -> None:  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(NOTE.format(period=period, revenue=revenue, venues=venues, name=name,
                                kind=kind), encoding="utf-8")  # fmt: skip
    then = time.time_ns() - age_s * 10**9  # older than a second: its stat is trusted
    os.utime(path, ns=(then, then))


@pytest.fixture
def corrected(tmp_path):
    """October, November, then November corrected (63 venues were 64) and read again."""
    write(tmp_path / "2026-10" / "jada.md", period="2026-10", revenue="$25,770", venues=60)
    write(tmp_path / "2026-11" / "jada.md", period="2026-11", revenue="$30,555", venues=63)
    handoffs_ingest(paths=[tmp_path])
    write(tmp_path / "2026-11" / "jada.md", period="2026-11", revenue="$30,555", venues=64,
          age_s=1800)  # fmt: skip
    handoffs_ingest(paths=[tmp_path])
    assert Snapshot.objects.count() == 3  # nothing is overwritten: both readings are kept
    return tmp_path


def test_the_later_reading_of_a_period_replaces_the_earlier_in_history(corrected):
    entity = Entity.objects.get(slug="jada")
    newest = snapshots_newest(entity_ids=[entity.pk], depth=10)
    history = sorted(newest, key=lambda s: s.newest_rank)
    assert [(s.period_label, s.newest_rank) for s in history] == [("2026-11", 1), ("2026-10", 2)]
    newest = history[0]
    assert newest.metrics.get(name="Active venues").value == 64
    assert newest.previous().period_label == "2026-10"
    [row] = entity_overviews(user=UserFactory(is_superuser=True))
    assert row.snapshot_count == 2  # the dashboard counts periods, as history has them


def test_reports_compare_the_corrected_note_with_the_month_before_and_count_it_once(
    client, corrected
):
    client.force_login(UserFactory(is_superuser=True))
    ceo = client.get(reverse("reports:entity", args=["ceo", "jada"])).text
    assert "vs Oct 2026" in ceo and "vs Nov 2026" not in ceo
    cfo = client.get(reverse("reports:portfolio", args=["cfo"])).text
    # The chart's caption counts each period's entities: November once, not twice.
    assert re.search(r"Nov 2026: 1 entity", cfo), cfo
    assert "$61,110" not in cfo  # November's revenue summed twice


def test_a_second_file_for_the_same_period_is_a_warning_naming_the_other(tmp_path):
    write(tmp_path / "a" / "jada.md", period="2026-11", revenue="$1,000", venues=60)
    first = handoffs_ingest(paths=[tmp_path / "a"])
    assert not first.files[0].parsed.problems
    write(tmp_path / "b" / "jada-copy.md", period="2026-11", revenue="$2,000", venues=61)
    second = handoffs_ingest(paths=[tmp_path / "b"])

    [problem] = [p for p in second.files[0].parsed.problems if "also" in p.message]
    assert problem.severity == "warning" and problem.line == 5  # the line of "period:"
    assert "jada's note for 2026-11 was also read from jada.md" in problem.message
    newest = Snapshot.objects.get(display_path="jada-copy.md")
    assert newest.warning_count == 1  # shown where the CAO's data quality lists problems

    # Read again (--reread parses it, though nothing changed): said again, not dropped.
    again = handoffs_ingest(paths=[tmp_path / "b"], reread=True)
    assert any("was also read from jada.md" in p.message for p in again.files[0].parsed.problems)
    assert SourceFile.objects.get(display_path="jada-copy.md").status == "warnings"


def test_an_entitys_name_and_kind_follow_its_newest_note(tmp_path):
    write(tmp_path / "2026-10" / "jada.md", period="2026-10", revenue="$1", venues=1)
    handoffs_ingest(paths=[tmp_path])
    write(tmp_path / "2026-11" / "jada.md", period="2026-11", revenue="$1", venues=1,
          name="JADA Events", kind="supplementary")  # fmt: skip
    handoffs_ingest(paths=[tmp_path])
    entity = Entity.objects.get(slug="jada")
    assert (entity.name, entity.kind) == ("JADA Events", "supplementary")

    # An older month read later does not name the entity back.
    write(tmp_path / "2026-09" / "jada.md", period="2026-09", revenue="$1", venues=1,
          name="Old JADA")  # fmt: skip
    handoffs_ingest(paths=[tmp_path])
    entity.refresh_from_db()
    assert entity.name == "JADA Events"


def test_a_months_note_is_newer_than_a_note_for_a_day_of_that_month(tmp_path):
    # Ordered by the day each stands from: October's from 31 October, the note for 15 October
    # from that day. Ordered by the period's first day, the day's note had been "newer".
    write(tmp_path / "a" / "jada.md", period="2026-10", revenue="$10,000", venues=1)
    handoffs_ingest(paths=[tmp_path / "a"])
    write(tmp_path / "b" / "jada.md", period="2026-10-15", revenue="$5,000", venues=1,
          name="JADA Day")  # fmt: skip
    handoffs_ingest(paths=[tmp_path / "b"])

    entity = Entity.objects.get(slug="jada")
    [newest] = snapshots_newest(entity_ids=[entity.pk])
    assert newest.period_label == "2026-10"
    assert newest.previous().period_label == "2026-10-15"
    assert entity.name == "JADA"  # the older note does not name it
    [as_of] = snapshots_newest(entity_ids=[entity.pk], as_of=dt.date(2026, 10, 20))
    assert as_of.period_label == "2026-10-15"


def test_a_note_without_a_period_stands_from_the_day_it_was_read(tmp_path):
    write(tmp_path / "a" / "jada.md", period="2026-11", revenue="$1,000", venues=1)
    handoffs_ingest(paths=[tmp_path / "a"])
    undated = tmp_path / "b" / "jada.md"
    write(undated, period="2026-11", revenue="$2,000", venues=1, name="JADA Undated")
    undated.write_text(undated.read_text().replace("period: 2026-11\n", ""))
    os.utime(undated, ns=(time.time_ns() - 10**12, time.time_ns() - 10**12))
    with time_machine.travel(dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)):
        handoffs_ingest(paths=[tmp_path / "b"])

    entity = Entity.objects.get(slug="jada")
    [newest] = snapshots_newest(entity_ids=[entity.pk])
    assert newest.period is None and newest.stands_from == dt.date(2026, 12, 4)
    assert newest.previous().period_label == "2026-11"  # compared with what came before it
    assert entity.name == "JADA Undated"
