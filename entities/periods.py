"""The rules of periods, once: what a note's period covers and when a note is stale. Pure."""

from __future__ import annotations

import calendar
import datetime as dt


def period_is_month(label: str) -> bool:
    """A period written as a month ("2026-11") covers the whole month."""
    return len(label) == 7


def period_end(period: dt.date, label: str) -> dt.date:
    """The last day a period covers: a month's last day, else the date itself."""
    if period_is_month(label):
        return period.replace(day=calendar.monthrange(period.year, period.month)[1])
    return period


def snapshot_is_stale(
    *,
    period: dt.date | None,
    period_label: str,
    ingested_at: dt.datetime,
    today: dt.date,
    grace_days: int,
) -> bool:
    """Older than the period it should describe, past the grace days the notes get; a note
    without a period, a month and the grace days after it was read."""
    grace = dt.timedelta(days=grace_days)
    if period is None:
        return ingested_at.date() + dt.timedelta(days=31) + grace < today
    return period_end(period, period_label) + grace < today
