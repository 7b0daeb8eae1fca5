"""What a note's period means: which periods are months, when a period ends, and when a note
has gone stale. Pure functions, no database: the dashboard, the models and the reports all ask
here, so the rule lives once."""

from __future__ import annotations

import calendar
import datetime as dt
import re

#: How a month is written in a note's front matter (`period: 2026-11`); the parser reads it.
MONTH_LABEL_RE = re.compile(r"(\d{4})-(\d{2})")
#: The same test in a query (`period_label__regex`): the pattern, anchored, as both
#: PostgreSQL and SQLite (Python's re) read it.
MONTH_LABEL_SQL = rf"^{MONTH_LABEL_RE.pattern}$"

#: A note without a period is taken to speak for about a month from when it was read.
UNDATED_NOTE_LASTS = dt.timedelta(days=31)


def period_is_month(label: str) -> bool:
    """Whether a period label names a whole month (`2026-11`) rather than a day."""
    return MONTH_LABEL_RE.fullmatch(label) is not None


def period_end(period: dt.date, label: str) -> dt.date:
    """The last day a period covers: a month's last day, else the date itself."""
    if period_is_month(label):
        last_day = calendar.monthrange(period.year, period.month)[1]
        return period.replace(day=last_day)
    return period


def snapshot_is_stale(
    *,
    period: dt.date | None,
    period_label: str,
    ingested_at: dt.datetime,
    today: dt.date,
    grace_days: int,
) -> bool:
    """Whether a note is older than the period it should describe, past the grace days.

    A note with a period is stale once that period ended more than `grace_days` ago; one
    without is stale a month and the grace days after it was read.
    """
    grace = dt.timedelta(days=grace_days)
    if period is None:
        return ingested_at.date() + UNDATED_NOTE_LASTS + grace < today
    return period_end(period, period_label) + grace < today
