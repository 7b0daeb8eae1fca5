"""Plain result types for a parsed handoff note.

Everything here is a frozen, slotted dataclass with no behaviour beyond
serialisation, so results are cheap to build (10,000 notes per run) and
safe to share between threads.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

MetricSection = Literal["kpis", "financials", "marketing"]
Severity = Literal["critical", "high", "medium", "low"]
#: Which way a metric is better, as its note's target says ("≤ 5%": lower, "≥ 90%": higher).
Better = Literal["lower", "higher"]
ProblemSeverity = Literal["error", "warning"]
Status = Literal["ok", "warnings", "error"]

#: The longest metric name kept (the store's column). The parser cuts a longer one, and tells
#: duplicates apart by the name as cut, so two names that differ only past the cut are one.
METRIC_NAME_MAX_LENGTH = 300


def format_decimal(value: Decimal | None) -> str | None:
    """Render a Decimal as a plain string: no exponent, no trailing zero noise.

    Decimal("1.2E+6") -> "1200000", Decimal("48.50") -> "48.5", Decimal("-0") -> "0".
    Exact for any number of digits (does not go through the decimal context).
    """
    if value is None:
        return None
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a note. ``line`` is 1-based, or None for the whole file."""

    line: int | None
    severity: ProblemSeverity
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.severity}: {where}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "severity": self.severity, "message": self.message}


@dataclass(frozen=True, slots=True)
class MetricRow:
    section: MetricSection
    name: str
    value: Decimal | None
    unit: str
    target: Decimal | None
    period: str | None
    notes: str
    line: int
    raw: str
    better: Better | None = None  # None: the note does not say (reports go by the name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "value": format_decimal(self.value),
            "unit": self.unit,
            "target": format_decimal(self.target),
            "better": self.better,
            "period": self.period,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class ItemRow:
    text: str
    severity: Severity | None
    resolved: bool
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "severity": self.severity,
            "resolved": self.resolved,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class ReceivableRow:
    client: str
    invoice: str
    amount: Decimal | None
    unit: str
    due: datetime.date | None
    status: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "invoice": self.invoice,
            "amount": format_decimal(self.amount),
            "unit": self.unit,
            "due": _iso(self.due),
            "status": self.status,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class NarrativeSection:
    """A section whose heading is not recognised, kept as written.

    Text before the first section heading (after the title) is kept as a
    section with heading "".
    """

    heading: str
    body: str
    line: int


@dataclass(frozen=True, slots=True)
class ParsedHandoff:
    path: str
    slug: str | None = None
    name: str | None = None
    kind: Literal["core", "supplementary"] | None = None
    period: datetime.date | None = None
    period_label: str | None = None
    #: The line of `period:` in the front matter, for a problem about the period.
    period_line: int | None = None
    currency: str = "USD"
    owner: str | None = None
    updated: datetime.date | None = None
    title: str | None = None
    metrics: list[MetricRow] = field(default_factory=list)
    tech_debt: list[ItemRow] = field(default_factory=list)
    risks: list[ItemRow] = field(default_factory=list)
    next_steps: list[ItemRow] = field(default_factory=list)
    tech_stack: list[ItemRow] = field(default_factory=list)
    receivables: list[ReceivableRow] = field(default_factory=list)
    narrative: list[NarrativeSection] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def status(self) -> Status:
        if self.has_errors:
            return "error"
        if self.problems:
            return "warnings"
        return "ok"

    def to_dict(self) -> dict[str, Any]:
        """The per-file JSON contract (the caller adds "snapshot")."""
        return {
            "path": self.path,
            "entity": self.slug,
            "status": self.status,
            "period": self.period_label,
            "currency": self.currency,
            "name": self.name,
            "kind": self.kind,
            "metrics": [m.to_dict() for m in self.metrics],
            "tech_debt": [i.to_dict() for i in self.tech_debt],
            "risks": [i.to_dict() for i in self.risks],
            "next_steps": [i.to_dict() for i in self.next_steps],
            "tech_stack": [i.to_dict() for i in self.tech_stack],
            "receivables": [r.to_dict() for r in self.receivables],
            "problems": [p.to_dict() for p in self.problems],
        }
