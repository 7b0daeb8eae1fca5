"""The maths every persona shares: figures with their source, money summed by currency, changes
with a direction, receivables aging, severity order, and matching items across snapshots.

Pure: no database, no HTML. Everything takes and returns plain values and dataclasses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from reports.formatting import format_period, is_money
from reports.personas.data import (
    EntityRef,
    ItemData,
    MetricData,
    ReceivableData,
    ReportData,
    SnapshotData,
    Source,
)

Direction = Literal["up", "down", "flat"]
Tone = Literal["good", "bad", "neutral"]

# A portfolio of up to this many entities is shown entity by entity, in cards; a larger one as
# a table, one row per entity, with each entity's full report a click away. Past a dozen,
# cards are a scroll no one reads (and an email Gmail clips at ~100 KB).
CARDS_UP_TO = 12


def detailed(data: ReportData) -> bool:
    return not data.is_portfolio or len(data.entities) <= CARDS_UP_TO


def when(latest: SnapshotData | None, previous: SnapshotData | None) -> str:
    """What an entity's row compares: "Nov 2026 vs Oct 2026", "Nov 2026", or "no note"."""
    if latest is None:
        return "no note"
    label = format_period(latest.label)
    return f"{label} vs {format_period(previous.label)}" if previous else label


# --- Figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One number as stored, with its unit and where it was written.

    Where it was written is either given (`origin`, a Source) or the snapshot and line it was
    read from (`snapshot`, `line`): then the Source is made only if the figure is shown, since
    a large report sums thousands of figures it never shows one by one."""

    value: Decimal | None
    unit: str = ""
    origin: Source | None = None
    raw: str = ""  # as written in the note, for the tooltip
    snapshot: SnapshotData | None = field(default=None, compare=False, repr=False)
    line: int | None = None
    name: str = ""  # the line's own name in the note ("Revenue (MTD)"), shown on hover
    why: str = ""  # why there is no value, when the note says something about it

    @property
    def source(self) -> Source | None:
        if self.origin is not None:
            return self.origin
        if self.snapshot is not None:
            return self.snapshot.source(self.line)
        return None

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def is_money(self) -> bool:
        return is_money(self.unit)


MISSING_FIGURE = Figure(None)


def metric_figure(
    metric: MetricData, snapshot: SnapshotData, *, money: bool = False, name: str = ""
) -> Figure:
    """A metric as a figure. In a money context a bare number ("(1,550)") is in the note's
    currency; outside one a bare number stays a plain count. name: the line's own name, for
    a figure shown under another (a headline "Revenue" read from "Revenue (MTD)")."""
    unit = metric.unit
    if money and unit == "":
        unit = snapshot.currency
    return Figure(metric.value, unit, None, metric.raw, snapshot, metric.line, name)


def target_figure(metric: MetricData, snapshot: SnapshotData) -> Figure:
    return Figure(metric.target, metric.unit, None, "", snapshot, metric.line)


# The name functions below are pure and memoised (bounded, per process): a portfolio report
# asks them of the same few hundred metric names in every note of a year of history, and the
# memo pays within a single build, not only across builds. Measured on the render bench's
# 100 entities x 12 notes: CFO build 98 ms without the memo, 21 ms with it cleared before the
# build, 21 ms warm (CMO 60 -> 25 -> 21, CEO 60 -> 22 -> 17). Nothing in them can go stale.
@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """How metric names are compared: case, spacing, emphasis and a trailing colon ignored,
    but words in parentheses kept ("Revenue (EUR contracts)" is not "Revenue")."""
    text = name.strip().strip("*_`: ").lower()
    return re.sub(r"\s+", " ", text)


# --- Financial lines --------------------------------------------------------------------------
# How a financials row is read, the way owners write them. docs/handoff-format.md has the same
# tables for note authors; change them together.
#
# 1. The concept a line is, by its name once qualifiers are taken off (case, spacing, emphasis
#    and a trailing colon never matter).
FINANCIAL_NAMES: dict[str, frozenset[str]] = {
    "revenue": frozenset(
        {"revenue", "revenues", "gross revenue", "net revenue", "sales", "gross sales",
         "net sales", "income", "gross income", "turnover", "takings", "gross receipts"}
    ),
    "expenses": frozenset(
        {"expenses", "expense", "costs", "operating expenses", "operating costs", "opex",
         "expenditure", "outgoings"}
    ),
    "net": frozenset(
        {"net", "net income", "net profit", "profit", "net result", "net profit (loss)",
         "net income (loss)", "profit (loss)", "net (loss)", "p&l", "bottom line"}
    ),
    "cash": frozenset(
        {"cash on hand", "cash", "cash balance", "bank balance", "cash in bank",
         "cash at bank", "cash (end of month)", "cash (eom)", "cash (month end)",
         "cash at end of month", "cash at month end", "month-end cash", "end of month cash",
         "closing cash", "closing cash balance", "ending cash", "ending cash balance"}
    ),
}  # fmt: skip
# 1b. Names of net that say the line is a loss. Such a line holds the size of the loss, so
#    "Net loss | 1,550" and "Net loss | (1,550)" are the same loss: its net is minus the
#    amount. "Net income (loss)" and "Net (loss)" are in the table above instead: they keep
#    the sign as written (parentheses are a loss, the accounting convention).
LOSS_NAMES: frozenset[str] = frozenset({"net loss", "loss", "operating loss"})
# 2. Qualifiers: words before or after the name, in parentheses, or after " - ", " — " or ",".
#    PERIOD is the note's own period: such a line counts as its concept. Any other span is
#    never summed into the period's figures: the report shows it apart, with its own name.
PERIOD = ""
FINANCIAL_SPANS: dict[str, frozenset[str]] = {
    PERIOD: frozenset(
        {"total", "mtd", "month", "monthly", "this month", "for the month", "current month",
         "month to date", "month-to-date", "period", "this period", "for the period",
         "actual", "actuals"}
    ),
    "year to date": frozenset({"ytd", "year to date", "year-to-date", "fytd"}),
    "quarter": frozenset(
        {"qtd", "quarter to date", "quarter-to-date", "quarter", "quarterly", "this quarter"}
    ),
    "annual": frozenset(
        {"annual", "annualised", "annualized", "yearly", "per year", "full year", "fy", "ttm",
         "trailing 12 months", "ltm", "last 12 months"}
    ),
    "run-rate": frozenset({"run-rate", "run rate", "runrate", "arr"}),
}  # fmt: skip
# A qualifier in neither table ("Revenue (EUR contracts)", "Turnover (paint, carpet)") makes
# the row another line: a breakdown, listed as written and never taken for the concept.

_CONCEPT_OF = {name: concept for concept, names in FINANCIAL_NAMES.items() for name in names}
_CONCEPT_OF.update(dict.fromkeys(LOSS_NAMES, "net"))
_SPAN_OF = {word: span for span, words in FINANCIAL_SPANS.items() for word in words}
# Longest first, so "month to date" is taken before "month".
_QUALIFIERS = sorted(_SPAN_OF, key=len, reverse=True)
# A qualifier after the name: in parentheses at the end, else after the last dash, else after
# the last comma (so "Turnover (paint, carpet)" is one qualifier, not split at its comma).
_TRAILING_PARTS = (
    re.compile(r"^(?P<base>.+?)\s*\((?P<part>[^()]*)\)$"),
    re.compile(r"^(?P<base>.+)\s+[-\u2013\u2014]\s+(?P<part>.+)$"),
    re.compile(r"^(?P<base>.+),\s*(?P<part>.+)$"),
)
# Words in a name that make it look like revenue: a line with one that is not placed as
# revenue is named in the headline, so an owner sees why it shows no revenue.
_REVENUE_WORDS = re.compile(r"\b(?:revenues?|sales|turnover|income|takings|receipts)\b")

LineKind = Literal["period", "span", "breakdown", "other"]


@dataclass(frozen=True, slots=True)
class LineReading:
    """What a financials row is: its concept (or None), and for which span.

    kind: "period" counts as the concept for the note's period; "span" is the concept for
    another span (`span` names it); "breakdown" is the concept with a qualifier that is not a
    span (another line); "other" is no concept at all. loss: the name says the line is a
    loss (LOSS_NAMES), so it holds the loss's size, not a signed net."""

    concept: str | None
    kind: LineKind
    span: str = PERIOD
    loss: bool = False

    @property
    def counts(self) -> bool:
        return self.kind == "period"

    def signed(self, value: Decimal | None) -> Decimal | None:
        """The value as the concept means it: a loss line's amount, whatever sign it was
        written with, is a negative net."""
        if value is None or not self.loss:
            return value
        return -abs(value)


def _peel(base: str) -> tuple[str, str | None] | None:
    """One qualifier off the front or back of base: (rest, its span or None when unknown)."""
    for pattern in _TRAILING_PARTS:
        match = pattern.match(base)
        if match:
            return match["base"].strip(), _SPAN_OF.get(match["part"].strip())
    for word in _QUALIFIERS:
        if base.startswith(word + " "):
            return base[len(word) + 1 :].strip(), _SPAN_OF[word]
        if base.endswith(" " + word):
            return base[: -len(word) - 1].strip(), _SPAN_OF[word]
    return None


@lru_cache(maxsize=8192)
def read_financial_line(name: str) -> LineReading:
    """How a financials row is read (the tables above): "Revenue (MTD)" and "Total revenue"
    are revenue for the period, "Revenue (YTD)" is revenue for the year to date,
    "Revenue (EUR contracts)" is a breakdown, "Fuel" is another line."""
    base = name_key(name)
    spans: list[str] = []
    unknown = False
    while base not in _CONCEPT_OF:
        peeled = _peel(base)
        if peeled is None:
            break
        base, span = peeled
        if span is None:
            unknown = True
        else:
            spans.append(span)
    concept = _CONCEPT_OF.get(base)
    if concept is None:
        return LineReading(None, "other")
    if unknown:  # listed as written
        return LineReading(concept, "breakdown")
    loss = base in LOSS_NAMES
    other = next((s for s in spans if s != PERIOD), None)
    if other is not None:
        return LineReading(concept, "span", other, loss=loss)
    return LineReading(concept, "period", loss=loss)


@lru_cache(maxsize=8192)
def looks_like_revenue(name: str) -> bool:
    return bool(_REVENUE_WORDS.search(name_key(name)))


def metric_index(snapshot: SnapshotData, *sections: str) -> dict[str, MetricData]:
    """The snapshot's metrics by name_key (the first of duplicates, as ingestion keeps)."""
    metrics = snapshot.metrics
    if sections:
        metrics = [m for m in metrics if m.section in sections]
    # Read backwards, so the first of duplicates is the one left standing.
    return {name_key(m.name): m for m in reversed(metrics)}


def find_metric(
    metrics: Iterable[MetricData], names: frozenset[str], *, section: str | None = None
) -> MetricData | None:
    """The first metric (by line) whose name is one of names; duplicates after it are ignored,
    as ingestion already warned about them."""
    for metric in metrics:
        if (section is None or metric.section == section) and name_key(metric.name) in names:
            return metric
    return None


@dataclass(frozen=True, slots=True)
class SpanLine:
    """A financial line for another span than the note's period ("Revenue (YTD)"): shown
    apart, with its own name, and never summed into the period's figures."""

    metric: MetricData
    figure: Figure
    concept: str
    span: str


@dataclass(frozen=True, slots=True)
class Financials:
    """The four headline lines of one snapshot; a line the note does not have is missing."""

    revenue: Figure
    expenses: Figure
    net: Figure
    cash: Figure
    present: bool  # the note has a financials section with at least one line
    other: tuple[tuple[MetricData, Figure], ...] = ()  # every other line, as written
    spans: tuple[SpanLine, ...] = ()  # lines for another span, shown apart
    # The row each headline line was read from, for what the note says beside it.
    lines: dict[str, MetricData] = field(default_factory=dict)

    def notes(self, line: str) -> str:
        """What the note writes beside a headline line ("includes $9,500 haul-out deposit")."""
        metric = self.lines.get(line)
        return metric.notes if metric is not None else ""

    @property
    def margin(self) -> Decimal | None:
        """Net ÷ revenue in per cent: derived, so only from two stored figures in one currency."""
        r, n = self.revenue, self.net
        if r.value is None or n.value is None or r.value == 0 or r.unit != n.unit:
            return None
        return n.value / r.value * 100


def _why_missing(concept: str, snapshot: SnapshotData, metrics: list[MetricData]) -> str:
    """Why a headline line has no figure, when the note has a line that looks like it."""
    if concept != "revenue":
        return ""
    for metric in metrics:
        if looks_like_revenue(metric.name) and read_financial_line(metric.name).kind in (
            "breakdown", "other"
        ):  # fmt: skip
            return f"not placed: '{metric.name}' at {snapshot.path} line {metric.line}"
    return ""


def line_figure(
    metric: MetricData, snapshot: SnapshotData, reading: LineReading, *, name: str = ""
) -> Figure:
    """A financial line as the figure its concept means: money in the note's currency when
    bare, and a loss line ("Net loss | 1,550") as the negative net it is."""
    figure = metric_figure(metric, snapshot, money=True, name=name)
    if reading.loss:
        figure = replace(figure, value=reading.signed(figure.value))
    return figure


def financials_of(snapshot: SnapshotData, *, other: bool = True) -> Financials:
    """The four headline lines of a snapshot, and (unless other=False, for history that only
    needs the headline) every other line of its financials, and the lines for other spans."""
    metrics = snapshot.metrics_in("financials")
    found: dict[str, tuple[MetricData, LineReading] | None] = dict.fromkeys(FINANCIAL_NAMES)
    spans: list[SpanLine] = []
    for metric in metrics:  # the first of each line, as ingestion keeps the first duplicate
        reading = read_financial_line(metric.name)
        if reading.counts and found[reading.concept] is None:  # type: ignore[index]
            found[reading.concept] = (metric, reading)  # type: ignore[index]
        elif reading.kind == "span" and other:
            figure = line_figure(metric, snapshot, reading)
            spans.append(SpanLine(metric, figure, reading.concept or "", reading.span))
    lines = {line: pair[0] for line, pair in found.items() if pair is not None}
    used = {id(m) for m in lines.values()}
    used.update(id(s.metric) for s in spans)
    figures = {
        line: (
            line_figure(pair[0], snapshot, pair[1], name=pair[0].name)
            if pair
            else Figure(None, snapshot.currency, why=_why_missing(line, snapshot, metrics))
        )
        for line, pair in found.items()
    }
    rest: tuple[tuple[MetricData, Figure], ...] = ()
    if other:
        rest = tuple(
            (m, metric_figure(m, snapshot, money=True)) for m in metrics if id(m) not in used
        )
    return Financials(
        **figures, present=bool(metrics), other=rest, spans=tuple(spans), lines=lines
    )


# --- Changes ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delta:
    """A figure against the same figure in the previous snapshot."""

    current: Figure
    previous: Figure
    change: Decimal | None
    direction: Direction | None
    tone: Tone
    reason: str = ""  # why there is no change to show, when there is none

    @property
    def unit(self) -> str:
        return self.current.unit

    @property
    def percent(self) -> Decimal | None:
        if self.change is None or not self.previous.value:
            return None
        return self.change / abs(self.previous.value) * 100


def delta(
    current: Figure | None, previous: Figure | None, *, higher_is_better: bool | None = True
) -> Delta:
    """The change from previous to current, with its direction and whether that is good news.
    previous is None when there is no earlier snapshot; a Figure with no value when there is one
    that lacks this figure. No change is computed across units or from a missing value."""
    current = current or MISSING_FIGURE
    if previous is None:  # no earlier snapshot at all, as opposed to one without this figure
        return Delta(current, MISSING_FIGURE, None, None, "neutral", "nothing to compare")
    if current.value is None or previous.value is None:
        return Delta(current, previous, None, None, "neutral", "a value is missing")
    if current.unit != previous.unit:
        reason = f"unit changed from {previous.unit or 'none'} to {current.unit or 'none'}"
        return Delta(current, previous, None, None, "neutral", reason)
    change = current.value - previous.value
    direction = direction_of(change)
    return Delta(current, previous, change, direction, tone_of(direction, higher_is_better))


def direction_of(change: Decimal | None) -> Direction | None:
    if change is None:
        return None
    return "up" if change > 0 else "down" if change < 0 else "flat"


def tone_of(direction: Direction | None, higher_is_better: bool | None) -> Tone:
    """Whether a move is good news: up is good when higher is better, and the other way."""
    if direction in (None, "flat") or higher_is_better is None:
        return "neutral"
    return "good" if (direction == "up") == higher_is_better else "bad"


# KPI names where less is better: costs, delays, counts of bad things, what is lost or owed,
# and receivables aged past 30 days ("AR 31-60 days", "AR 90+ days"; "AR 1-30 days" is
# billing). docs/handoff-format.md lists the same words for note authors: change them together.
_LOWER_IS_BETTER = re.compile(
    r"\b(cost|costs|expense|expenses|spend|latency|turnaround|response time|dso|days sales|"
    r"waste|scrap|shrinkage|spoilage|"
    r"churn|churned|incident|incidents|vacant|vacancy|overdue|past[- ]due|disputed|"
    r"open ar|ar over|open maintenance|complaints?|defects?|errors?|bugs?|cancell?ations?|"
    r"chargebacks?|refunds?|write[- ]?offs?|bad[- ]debt|downtime|outages?|backlog|"
    r"invoices past due|cost per|fuel cost|loans?|debts?|liabilit(?:y|ies)|payables?|"
    r"mortgage|owed|ar (?:[3-9]\d|\d{3}))\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def lower_is_better(name: str) -> bool:
    """Whether a KPI improves as it falls, by its name alone: a heuristic, for the notes that do
    not say (see metric_lower_is_better). It only colours a status, never changes a number."""
    return bool(_LOWER_IS_BETTER.search(name))


def metric_lower_is_better(metric: MetricData) -> bool:
    """Whether a metric improves as it falls: as its note says, with a target written "≤ 5%"
    or "≥ 90%", else as its name suggests. The author knows the business; a name such as
    "Waste" only hints at it."""
    if metric.better:
        return metric.better == "lower"
    return lower_is_better(metric.name)


TargetStatus = Literal["met", "missed"]


def target_status(
    value: Decimal | None, target: Decimal | None, *, lower: bool
) -> TargetStatus | None:
    if value is None or target is None:
        return None
    met = value <= target if lower else value >= target
    return "met" if met else "missed"


# --- Money by currency ------------------------------------------------------------------------


@dataclass(slots=True)
class Totals:
    """Money added up only within one currency. The primary currency is the report's; every
    other currency is kept apart (never converted) so the report can show and flag it."""

    primary: str
    amounts: dict[str, Decimal] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    missing: int = 0  # contributors that had no value
    why_missing: list[str] = field(default_factory=list)  # what the notes say of them

    def add(self, figure: Figure | None) -> None:
        if figure is None or figure.value is None:
            self.missing += 1
            if figure is not None and figure.why:
                self.why_missing.append(figure.why)
            return
        # A line in another unit (a "Net" written as "12%") is kept apart like another
        # currency: shown and flagged, never added to money.
        self.amounts[figure.unit] = self.amounts.get(figure.unit, Decimal(0)) + figure.value
        self.counts[figure.unit] = self.counts.get(figure.unit, 0) + 1

    @property
    def main(self) -> Figure:
        return Figure(self.amounts.get(self.primary), self.primary)

    @property
    def others(self) -> list[Figure]:
        return [Figure(v, c) for c, v in sorted(self.amounts.items()) if c != self.primary]

    @property
    def empty(self) -> bool:
        return not self.amounts

    def known_zero(self, currencies: Iterable[str]) -> Totals:
        """Say 0, not "—", for currencies where rows exist but none fell into this total."""
        for currency in currencies:
            self.amounts.setdefault(currency, Decimal(0))
        return self


def sum_by_currency(figures: Iterable[Figure | None], *, primary: str) -> Totals:
    totals = Totals(primary)
    for figure in figures:
        totals.add(figure)
    return totals


@dataclass(frozen=True, slots=True)
class Rollup:
    """One line summed across entities in the report's currency, with its change: the sum of
    each entity's own change, over the entities that have the line in both notes (an entity
    with one note only adds to the total but not to the change)."""

    total: Totals
    change: Figure
    compared: int
    direction: Direction | None
    tone: Tone


def rollup(deltas: Iterable[Delta | None], currency: str, *, higher_is_better: bool) -> Rollup:
    given = [d for d in deltas if d is not None]  # None: an entity with no note at all
    total = sum_by_currency((d.current for d in given), primary=currency)  # counts the missing
    changes = [d.change for d in given if d.change is not None and d.unit == currency]
    change = sum(changes, Decimal(0)) if changes else None
    direction = direction_of(change)
    return Rollup(
        total, Figure(change, currency), len(changes), direction,
        tone_of(direction, higher_is_better),
    )  # fmt: skip


def primary_currency(currencies: Iterable[str]) -> str:
    """The currency most notes are kept in; ties go to USD, then alphabetically."""
    counts = Counter(c for c in currencies if c)
    if not counts:
        return "USD"
    best = max(counts.values())
    tied = sorted(c for c, n in counts.items() if n == best)
    return "USD" if "USD" in tied else tied[0]


# --- Receivables ------------------------------------------------------------------------------

BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "90+")
BUCKET_LABELS = {
    "current": "Current",
    "1-30": "1\u201330 days",
    "31-60": "31\u201360 days",
    "61-90": "61\u201390 days",
    "90+": "90+ days",
    "undated": "No due date",
}
CLOSED_STATUSES = frozenset(
    {"paid", "paid in full", "settled", "collected", "received", "closed", "written off",
     "written-off", "write-off", "write off", "void", "voided", "cancelled", "canceled",
     "credited", "refunded"}
)  # fmt: skip


def is_open(receivable: ReceivableData) -> bool:
    """Still owed: anything not marked paid, settled, written off or void (a dispute is open)."""
    return receivable.status.strip().lower() not in CLOSED_STATUSES


def days_past_due(due: dt.date | None, on: dt.date) -> int | None:
    return None if due is None else (on - due).days


def aging_bucket(due: dt.date | None, on: dt.date) -> str:
    days = days_past_due(due, on)
    if days is None:
        return "undated"
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def receivable_figure(receivable: ReceivableData, snapshot: SnapshotData) -> Figure:
    # Ingestion already gave bare amounts the note's currency; this guards older rows.
    unit = receivable.unit or snapshot.currency
    return Figure(receivable.amount, unit, None, "", snapshot, receivable.line)


def open_receivables_total(snapshot: SnapshotData, *, primary: str) -> Totals:
    """What is still owed. A note that lists receivables, all paid, owes a known 0; a note
    with no receivables at all says nothing, and its total stays missing."""
    totals = sum_by_currency(
        (receivable_figure(r, snapshot) for r in snapshot.receivables if is_open(r)),
        primary=primary,
    )
    if snapshot.receivables:
        totals.amounts.setdefault(snapshot.currency, Decimal(0))
    return totals


# --- Items ------------------------------------------------------------------------------------

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "")
SEVERITY_RANK = {s: n for n, s in enumerate(SEVERITIES)}


def by_severity(items: Iterable[ItemData]) -> list[ItemData]:
    """Critical first, unrated last; the note's own order within a severity."""
    return sorted(items, key=lambda i: (SEVERITY_RANK.get(i.severity, len(SEVERITIES)), i.line))


@lru_cache(maxsize=16384)
def item_key(text: str) -> str:
    """An item's identity across snapshots: its words, whatever the case, markup or spacing."""
    words = re.sub(r"[^\w$€£%.#/-]+", " ", text.lower())
    return " ".join(words.split())


@dataclass(frozen=True, slots=True)
class ItemChanges:
    """How one kind of item moved between two snapshots."""

    opened: list[ItemData]  # open now, not in the previous note
    resolved: list[ItemData]  # open before, marked resolved now
    dropped: list[ItemData]  # open before, no longer in the note at all (resolved? deleted?)
    compared: bool  # False when there was no previous snapshot


def item_changes(previous: Sequence[ItemData] | None, latest: Sequence[ItemData]) -> ItemChanges:
    if previous is None:
        return ItemChanges([], [], [], compared=False)
    before = {item_key(i.text): i for i in previous}
    now = {item_key(i.text): i for i in latest}
    opened = [i for k, i in now.items() if not i.resolved and k not in before]
    resolved = [i for k, i in now.items() if i.resolved and k in before and not before[k].resolved]
    dropped = [i for k, i in before.items() if not i.resolved and k not in now]
    return ItemChanges(opened, resolved, dropped, compared=True)


def first_paragraph(text: str, limit: int = 320) -> str:
    """The lead of a narrative, cut at a word boundary: a summary for the portfolio view."""
    paragraph = text.strip().split("\n\n", 1)[0].strip()
    paragraph = " ".join(paragraph.split())
    if len(paragraph) <= limit:
        return paragraph
    cut = paragraph[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


# --- Coverage: what the report is built on ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a report stands on, said plainly above it: which entities have a note as of its
    date, which notes are stale, and which have nothing earlier to compare with."""

    entities: tuple[EntityRef, ...]
    missing: tuple[EntityRef, ...]  # no note as of the report's date
    stale: tuple[tuple[EntityRef, SnapshotData], ...]
    first_only: tuple[EntityRef, ...]  # a single note: nothing to compare
    periods: tuple[tuple[str, int], ...]  # (period label, how many entities), newest first

    @property
    def empty(self) -> bool:
        return len(self.missing) == len(self.entities)

    @property
    def with_data(self) -> int:
        return len(self.entities) - len(self.missing)


def coverage(data: ReportData) -> Coverage:
    missing, stale, first_only = [], [], []
    periods: Counter[tuple[dt.date, str]] = Counter()
    for entity in data.entities:
        latest, previous = data.latest(entity.id), data.previous(entity.id)
        if latest is None:
            missing.append(entity)
            continue
        periods[(latest.as_of, latest.label)] += 1
        if latest.stale:
            stale.append((entity, latest))
        if previous is None:
            first_only.append(entity)
    ordered = sorted(periods.items(), key=lambda kv: kv[0][0], reverse=True)
    return Coverage(
        entities=data.entities,
        missing=tuple(missing),
        stale=tuple(stale),
        first_only=tuple(first_only),
        periods=tuple((label, n) for (_, label), n in ordered),
    )
