"""Time zones by IANA name: the names the API accepts, and the zone an event's times are shown
in. Plain zoneinfo; no database."""

from __future__ import annotations

import zoneinfo

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
