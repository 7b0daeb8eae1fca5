"""Parsing of markdown handoff notes into structured, report-ready data.

See docs/handoff-format.md for the format note authors follow.
"""

from .parser import DEFAULT_MAX_BYTES, SECTION_ALIASES, parse_handoff, read_handoff
from .types import (
    ItemRow,
    MetricRow,
    NarrativeSection,
    ParsedHandoff,
    Problem,
    ReceivableRow,
    format_decimal,
)
from .values import ParsedValue, parse_date, parse_severity, parse_value

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SECTION_ALIASES",
    "ItemRow",
    "MetricRow",
    "NarrativeSection",
    "ParsedHandoff",
    "ParsedValue",
    "Problem",
    "ReceivableRow",
    "format_decimal",
    "parse_date",
    "parse_handoff",
    "parse_severity",
    "parse_value",
    "read_handoff",
]
