"""Parsing of markdown handoff notes into structured, report-ready data.

See docs/handoff-format.md for the format note authors follow.
"""

from .parser import (
    DEFAULT_MAX_BYTES,
    MAX_SECTION_ROWS,
    SECTION_ALIASES,
    parse_handoff,
    parse_handoff_bytes,
    read_handoff,
    read_handoff_bytes,
)
from .types import (
    METRIC_NAME_MAX_LENGTH,
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
    "MAX_SECTION_ROWS",
    "METRIC_NAME_MAX_LENGTH",
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
    "parse_handoff_bytes",
    "parse_severity",
    "parse_value",
    "read_handoff",
    "read_handoff_bytes",
]
