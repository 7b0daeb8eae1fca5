"""What a note's period means: which periods are months, when a period ends, and when a note
has gone stale, and from when a note stands. Pure functions, no database: the dashboard, the
models and the reports all ask here, so the rule lives once."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from django.utils import timezone

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


def note_stands_from(
    *, period: dt.date | None, period_label: str, ingested_at: dt.datetime
) -> dt.date:
    """The day from which a note stands: its period's end (October's note from 31 October, a
    note for 15 October from that day), or, without a period, the day it was read. History is
    ordered by it, and "as of a date" means the notes standing by then; worked out once, when
    the note is stored (Snapshot.stands_from)."""
    if period is None:
        return timezone.localtime(ingested_at).date()
    return period_end(period, period_label)


def snapshot_is_stale(
    *,
    period: dt.date | None,
    period_label: str,
    ingested_at: dt.datetime,
    today: dt.date,
    grace_days: int,
) -> bool:
    """Whether a newer note is overdue, past the grace days.

    Notes are written as their period closes (the example portfolio's on the 24th to the
    31st), so November's note is the newest there can be until December's is written at the
    end of December: a month's note is stale once the month after it has ended and the grace
    days are over (November's from 8 January with a week's grace). A note for a day, or one
    without a period, speaks for about a month from its day, or from when it was read.
    """
    grace = dt.timedelta(days=grace_days)
    if period is None:
        return ingested_at.date() + UNDATED_NOTE_LASTS + grace < today
    if period_is_month(period_label):
        next_month = period_end(period, period_label) + dt.timedelta(days=1)
        return period_end(next_month, period_label) + grace < today
    return period + UNDATED_NOTE_LASTS + grace < today
