"""Snapshot history: what came before, what is stale, and reading it in constant queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entities.models import Entity, SourceFile
from entities.selectors import entity_overviews, snapshot_histories, snapshots_latest
from tests.factories import (
    EntityFactory,
    MembershipFactory,
    MetricFactory,
    SnapshotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def month(year: int, number: int) -> dict:
    return {"period": dt.date(year, number, 1), "period_label": f"{year}-{number:02d}"}


def test_previous_is_the_snapshot_before_in_period_order_not_ingest_order():
    qos = EntityFactory(slug="qos")
    november = SnapshotFactory(entity=qos, **month(2026, 11))
    september = SnapshotFactory(entity=qos, **month(2026, 9))  # read later, describes earlier
    october = SnapshotFactory(entity=qos, **month(2026, 10))
    SnapshotFactory(entity=EntityFactory(slug="jada"), **month(2026, 10))

    assert november.previous() == october
    assert october.previous() == september
    assert september.previous() is None


@pytest.mark.parametrize(
    ("today", "stale"),
    [("2026-11-25", False), ("2026-12-08", False), ("2027-01-07", False), ("2027-01-08", True)],
)
def test_a_monthly_note_goes_stale_a_week_after_the_next_months_note_is_due(today, stale):
    snapshot = SnapshotFactory(**month(2026, 11))
    assert snapshot.is_stale(today=dt.date.fromisoformat(today)) is stale


def test_a_note_without_a_period_goes_stale_after_a_month_and_the_grace_days():
    with time_machine.travel(dt.datetime(2026, 10, 1, tzinfo=dt.UTC)):
        snapshot = SnapshotFactory(period=None, period_label="", ingested_at=timezone.now())
    assert not snapshot.is_stale(today=dt.date(2026, 11, 7))
    assert snapshot.is_stale(today=dt.date(2026, 11, 9))


def test_histories_and_latest_respect_the_as_of_date():
    qos = EntityFactory(slug="qos")
    for number in (8, 9, 10, 11):
        SnapshotFactory(entity=qos, **month(2026, number))
    empty = EntityFactory(slug="empty")

    # On 15 October the October note is not there yet: a month's note stands from its end.
    histories = snapshot_histories(entities=[qos, empty], as_of=dt.date(2026, 10, 15))
    assert [s.period_label for s in histories[qos.pk]] == ["2026-08", "2026-09"]
    assert histories[empty.pk] == []
    on_the_last_day = snapshot_histories(entities=[qos], as_of=dt.date(2026, 10, 31))[qos.pk]
    assert [s.period_label for s in on_the_last_day] == ["2026-08", "2026-09", "2026-10"]
    last_two = snapshot_histories(entities=[qos], depth=2)[qos.pk]
    assert [s.period_label for s in last_two] == ["2026-10", "2026-11"]
    latest = snapshots_latest(entities=[qos, empty], as_of=dt.date(2026, 8, 31))
    assert latest[qos.pk].period_label == "2026-08" and latest[empty.pk] is None


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2026, 12, 31), "2026-12"),  # the last day of December, across the year
        (dt.date(2027, 1, 9), "2026-12"),
        (dt.date(2027, 1, 10), "2027-01-10"),  # a day's note stands from that day
        (dt.date(2027, 2, 27), "2027-01-10"),
        (dt.date(2027, 2, 28), "2027-02"),  # February's last day
    ],
)
def test_a_note_stands_from_the_end_of_its_period(as_of, expected):
    qos = EntityFactory(slug="qos")
    SnapshotFactory(entity=qos, **month(2026, 12))
    SnapshotFactory(entity=qos, period=dt.date(2027, 1, 10), period_label="2027-01-10")
    SnapshotFactory(entity=qos, **month(2027, 2))
    assert snapshots_latest(entities=[qos], as_of=as_of)[qos.pk].period_label == expected


def test_a_note_without_a_period_stands_from_the_day_it_was_read():
    qos = EntityFactory(slug="qos")
    SnapshotFactory(
        entity=qos, period=None, period_label="",
        ingested_at=dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC),
    )  # fmt: skip
    assert snapshots_latest(entities=[qos], as_of=dt.date(2026, 10, 19))[qos.pk] is None
    assert snapshots_latest(entities=[qos], as_of=dt.date(2026, 10, 20))[qos.pk] is not None


def _portfolio(size: int) -> None:
    for n in range(size):
        entity = EntityFactory(slug=f"e{size}-{n}")
        for number in (10, 11):
            MetricFactory(snapshot=SnapshotFactory(entity=entity, **month(2026, number)))


def test_reading_histories_takes_the_same_queries_for_3_and_30_entities():
    counts = []
    for size in (3, 30):
        _portfolio(size)
        entities = list(Entity.objects.filter(slug__startswith=f"e{size}-"))
        with CaptureQueriesContext(connection) as queries:
            histories = snapshot_histories(entities=entities, depth=2)
            assert all(len(h) == 2 and h[-1].metrics.all() for h in histories.values())
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_dashboard_takes_the_same_queries_for_3_and_30_entities(client):
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    counts = []
    for size in (3, 30):
        _portfolio(size)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC))
def test_the_dashboard_shows_latest_snapshot_staleness_and_problems(client):
    owner = UserFactory()
    qdn, rental, fresh = (EntityFactory(slug=s) for s in ("qdn", "rental", "fresh"))
    for entity in (qdn, rental, fresh):
        MembershipFactory(user=owner, entity=entity)
    SnapshotFactory(entity=qdn, **month(2026, 10))
    SnapshotFactory(entity=qdn, warning_count=2, **month(2026, 11))
    SnapshotFactory(entity=rental, **month(2026, 9))
    SourceFile.objects.create(
        path="/notes/rental.md", entity=rental, status="error",
        problems=[{"line": 1, "severity": "error", "message": "file is empty"}],
    )
    client.force_login(owner)

    rows = {r.entity.slug: r for r in entity_overviews(user=owner)}
    assert rows["qdn"].latest.period_label == "2026-11" and rows["qdn"].problem_count == 2
    assert not rows["qdn"].stale
    assert rows["rental"].stale and rows["rental"].problem_count == 1
    assert rows["fresh"].latest is None and rows["fresh"].stale

    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-entity="rental"' in page and ">stale<" in page
    assert ">no data<" in page and ">current<" in page


def test_the_dashboard_counts_no_other_entitys_problems(client):
    owner = UserFactory()
    mine = EntityFactory(slug="mine")
    MembershipFactory(user=owner, entity=mine)
    SnapshotFactory(entity=EntityFactory(slug="theirs"), warning_count=5)
    rows = entity_overviews(user=owner)
    assert [r.entity.slug for r in rows] == ["mine"] and rows[0].problem_count == 0
