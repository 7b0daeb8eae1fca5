"""Times and time zones: the names the API accepts, the zone an event's times are shown in
(plain zoneinfo), and the span of times a crew row may hold, wherever it is written from."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError

# Read once: the names the zoneinfo database knows.
TIME_ZONES = frozenset(zoneinfo.available_timezones())


def zone_get(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone of an IANA name, or None when the zoneinfo database does not know it.

    Only names in the database are looked up: ZoneInfo itself answers a directory, a path or a
    NUL with an OSError or a ValueError, not a "not found"."""
    if name not in TIME_ZONES:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # the database changed since it was listed
        return None


# Every time a crew row holds lies in [EARLIEST, LATEST) once in UTC. Python's datetime ends at
# year 9999, and "9999-12-31T23:00-14:00" is already past it in UTC: with a bound this far
# inside, converting a time to UTC, or showing it in any time zone, can never overflow.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
# And its offset is one a time zone uses (none has been further from UTC than +14:00 or -12:00
# since 1900). Python reads offsets up to ±23:59, but PostgreSQL refuses one past ±15:59 with
# an error, not a row.
MAX_OFFSET = dt.timedelta(hours=14)
TIME_LIMITS = (
    "must be from 1900-01-01T00:00:00Z to before 3000-01-01T00:00:00Z (in UTC), "
    "with an offset of at most ±14:00"
)


def time_within_limits(value: dt.datetime) -> bool:
    # Comparing aware datetimes subtracts their offsets without building a datetime, so this
    # cannot overflow where astimezone(UTC) would.
    offset = value.utcoffset()
    return offset is not None and abs(offset) <= MAX_OFFSET and EARLIEST <= value < LATEST


def validate_time(value: dt.datetime) -> None:
    """The model fields' validator (the admin's forms run it), as the API's schema checks."""
    if not time_within_limits(value):
        raise ValidationError(f"The time {TIME_LIMITS}.", code="time_limits")


def validate_time_zone(value: str) -> None:
    if value not in TIME_ZONES:
        raise ValidationError(
            "Not an IANA time zone name this server knows, e.g. America/Los_Angeles.",
            code="time_zone",
        )
