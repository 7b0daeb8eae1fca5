"""The period rules, once: which labels are months, when a period ends, when a note is stale."""

import datetime as dt

import pytest

from entities.periods import period_end, period_is_month, snapshot_is_stale

READ = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("label", "month"),
    [("2026-11", True), ("2026-11-05", False), ("", False), ("2026-1", False), ("Nov 2026", False)],
)
def test_only_a_year_and_a_month_name_a_month(label, month):
    assert period_is_month(label) is month


@pytest.mark.parametrize(
    ("period", "label", "end"),
    [
        (dt.date(2026, 11, 1), "2026-11", dt.date(2026, 11, 30)),
        (dt.date(2026, 12, 1), "2026-12", dt.date(2026, 12, 31)),
        (dt.date(2026, 2, 1), "2026-02", dt.date(2026, 2, 28)),
        (dt.date(2028, 2, 1), "2028-02", dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 5), "2026-11-05", dt.date(2026, 11, 5)),
    ],
)
def test_a_month_ends_on_its_last_day_and_a_day_on_itself(period, label, end):
    assert period_end(period, label) == end


@pytest.mark.parametrize(
    ("period", "label", "today", "stale"),
    [
        # November's note stands until December's is due: December's end and a week.
        (dt.date(2026, 11, 1), "2026-11", dt.date(2026, 12, 8), False),
        (dt.date(2026, 11, 1), "2026-11", dt.date(2027, 1, 7), False),
        (dt.date(2026, 11, 1), "2026-11", dt.date(2027, 1, 8), True),
        (dt.date(2027, 1, 1), "2027-01", dt.date(2027, 3, 7), False),  # February is short
        (dt.date(2027, 1, 1), "2027-01", dt.date(2027, 3, 8), True),
    ],
)
def test_a_monthly_note_is_stale_once_the_next_months_note_is_overdue(period, label, today,
                                                                      stale):  # fmt: skip
    assert (
        snapshot_is_stale(
            period=period, period_label=label, ingested_at=READ, today=today, grace_days=7
        )
        is stale
    )


def test_a_note_for_a_day_is_stale_a_month_and_the_grace_days_after_that_day():
    def stale(today: dt.date) -> bool:
        return snapshot_is_stale(
            period=dt.date(2026, 11, 5), period_label="2026-11-05", ingested_at=READ,
            today=today, grace_days=3,
        )

    # 5 November + 31 days is 6 December; three days' grace.
    assert not stale(dt.date(2026, 12, 9)) and stale(dt.date(2026, 12, 10))


def test_a_note_without_a_period_is_stale_a_month_and_the_grace_days_after_it_was_read():
    def stale(today: dt.date) -> bool:
        return snapshot_is_stale(
            period=None, period_label="", ingested_at=READ, today=today, grace_days=7
        )

    assert not stale(dt.date(2026, 11, 8)) and stale(dt.date(2026, 11, 9))
