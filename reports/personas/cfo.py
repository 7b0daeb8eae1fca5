"""CFO: "Where is the money?"

Revenue, expenses, net and margin per entity and rolled up, cash, open receivables, and the
change against each entity's previous note with its direction. Only like currencies are summed:
an amount in another currency is shown apart and flagged, never converted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from reports.charts import BarChart, grouped_bars
from reports.personas.common import (
    Delta,
    Figure,
    Financials,
    Rollup,
    SpanLine,
    Totals,
    delta,
    detailed,
    direction_of,
    financials_of,
    is_open,
    open_receivables_total,
    primary_currency,
    read_financial_line,
    receivable_figure,
    rollup,
    sum_by_currency,
    tone_of,
    when,
)
from reports.personas.data import (
    DataNeeds,
    EntityRef,
    MetricData,
    ReceivableData,
    ReportData,
    SnapshotData,
    Source,
)

NEEDS = DataNeeds(metric_depth={"financials": 12}, receivable_depth=2)
LINES = ("revenue", "expenses", "net", "cash")


@dataclass(frozen=True, slots=True)
class Foreign:
    """An amount in a currency other than the report's: shown as written, not in any total."""

    entity: EntityRef
    what: str  # the line or invoice it is on (from the note: escaped when shown)
    figure: Figure
    summed: bool  # False for a breakdown line that is never added anywhere
    span: str = ""  # a line for another span ("year to date"): never added either

    @property
    def source(self) -> Source | None:
        return self.figure.source


@dataclass(slots=True)
class CfoEntity:
    entity: EntityRef
    latest: SnapshotData | None
    previous: SnapshotData | None
    financials: Financials | None = None
    revenue: Delta | None = None
    expenses: Delta | None = None
    net: Delta | None = None
    cash: Delta | None = None
    margin: Decimal | None = None
    margin_change: Decimal | None = None  # in percentage points
    receivables: Totals | None = None
    receivables_change: Delta | None = None  # primary currency only
    receivables_count: int = 0
    open_receivables: list[tuple[ReceivableData, Figure]] = field(default_factory=list)
    # Every other line, with its change on one entity's page (the portfolio shows none).
    other_lines: list[tuple[MetricData, Figure, Delta | None]] = field(default_factory=list)
    chart: BarChart | None = None  # one entity's history of revenue against expenses
    when: str = ""  # "Nov 2026 vs Oct 2026"

    @property
    def spans(self) -> tuple[SpanLine, ...]:
        """Lines for another span than the note's period ("Revenue (YTD)"): shown apart."""
        return self.financials.spans if self.financials else ()

    @property
    def line_notes(self) -> dict[str, str]:
        """What the note writes beside each headline line, by line ("revenue", …)."""
        fin = self.financials
        return {line: fin.notes(line) if fin else "" for line in LINES}

    @property
    def has_financials(self) -> bool:
        return bool(self.financials and self.financials.present)


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    label: str
    revenue: Figure
    expenses: Figure
    net: Figure
    entities: int  # how many entities' notes are in this period's sums


@dataclass(slots=True)
class CfoReport:
    portfolio: bool
    detailed: bool
    currency: str
    revenue: Rollup
    expenses: Rollup
    net: Rollup
    cash: Rollup
    receivables: Rollup
    margin: Decimal | None
    entities: list[CfoEntity]
    no_financials: list[EntityRef]
    foreign: list[Foreign]
    trend: list[PeriodTotal]
    chart: BarChart | None

    @property
    def spans(self) -> list[tuple[EntityRef, SpanLine]]:
        """Every entity's lines for other spans, never in the period's figures."""
        return [(b.entity, line) for b in self.entities for line in b.spans]


def _entity(
    data: ReportData, entity: EntityRef, currency: str, fins: dict[int, Financials]
) -> CfoEntity:
    latest, previous = data.latest(entity.id), data.previous(entity.id)
    block = CfoEntity(entity, latest, previous, when=when(latest, previous))
    if latest is None:
        return block
    now = fins[latest.id]
    before = fins[previous.id] if previous else None
    block.financials = now
    for line in LINES:
        setattr(
            block,
            line,
            delta(
                getattr(now, line),
                getattr(before, line) if before else None,
                higher_is_better=line != "expenses",
            ),
        )
    block.margin = now.margin
    if before is not None and now.margin is not None and before.margin is not None:
        block.margin_change = now.margin - before.margin
    block.receivables = open_receivables_total(latest, primary=currency)
    block.open_receivables = [
        (r, receivable_figure(r, latest)) for r in latest.receivables if is_open(r)
    ]
    block.receivables_count = len(block.open_receivables)
    if previous is not None:
        earlier = open_receivables_total(previous, primary=currency)
        block.receivables_change = delta(
            block.receivables.main, earlier.main, higher_is_better=False
        )
    before_other = {m.name.lower(): f for m, f in before.other} if before else {}
    block.other_lines = [
        (
            metric,
            figure,
            None
            if data.is_portfolio
            else delta(
                figure,
                before_other.get(metric.name.lower()) if before else None,
                higher_is_better=None,
            ),
        )
        for metric, figure in now.other
    ]
    if not data.is_portfolio:
        block.chart = _history_chart(data.histories.get(entity.id) or [], fins)
    return block


def _history_chart(history: list[SnapshotData], fins: dict[int, Financials]) -> BarChart | None:
    rows = [fins[s.id] for s in history]
    if not any(r.present for r in rows):
        return None
    unit = rows[-1].revenue.unit

    def same(figure: Figure) -> Figure:
        return figure if figure.unit == unit else Figure(None, unit)

    return grouped_bars(
        [s.label for s in history],
        [
            ("Revenue", "s-revenue", [same(r.revenue) for r in rows]),
            ("Expenses", "s-expenses", [same(r.expenses) for r in rows]),
            ("Net", "s-net", [same(r.net) for r in rows]),
        ],
        unit=unit,
    )


@dataclass(slots=True)
class _PeriodSums:
    as_of: dt.date
    sums: dict[str, list[Decimal]] = field(
        default_factory=lambda: {"revenue": [], "expenses": [], "net": []}
    )
    entities: set[int] = field(default_factory=set)


def _trend(data: ReportData, currency: str) -> list[PeriodTotal]:
    """Revenue, expenses and net summed per period over the entities that have a note for it,
    in the report's currency only (a bare amount is in its note's currency); only periods
    with a line in that currency."""
    periods: dict[str, _PeriodSums] = {}
    for entity in data.entities:
        for snapshot in data.histories.get(entity.id) or []:
            period = None
            seen: set[str] = set()
            # This runs for every line of every note: fields by position, no temporaries.
            for metric in snapshot.metrics:
                if metric[0] != "financials":
                    continue
                if period is None:
                    period = periods.get(snapshot.label)
                    if period is None:
                        period = periods[snapshot.label] = _PeriodSums(snapshot.as_of)
                reading = read_financial_line(metric[1])
                line = reading.concept
                if not reading.counts or line == "cash" or line in seen:
                    continue
                seen.add(line)  # the first of duplicates, as ingestion keeps
                value = reading.signed(metric[2])  # a "Net loss" line, as the net it means
                if value is not None and (metric[3] or snapshot.currency) == currency:
                    period.sums[line].append(value)
                    period.entities.add(entity.id)

    def total(values: list[Decimal]) -> Figure:
        return Figure(sum(values, Decimal(0)) if values else None, currency)

    return [
        PeriodTotal(
            label,
            total(p.sums["revenue"]),
            total(p.sums["expenses"]),
            total(p.sums["net"]),
            len(p.entities),
        )
        for label, p in sorted(periods.items(), key=lambda kv: kv[1].as_of)
        # A period whose notes hold no line in this currency (a JPY note's day among USD
        # months) has nothing to draw: it is left out, not drawn as "0 entities".
        if p.entities
    ]


def build(data: ReportData) -> CfoReport:
    currency = primary_currency(
        s.currency for e in data.entities if (s := data.latest(e.id)) is not None
    )
    # The two newest notes of each entity, line by line (one entity: its history, to chart).
    fins = {
        s.id: financials_of(s)
        for history in data.histories.values()
        for s in (history if not data.is_portfolio else history[-2:])
    }
    blocks = [_entity(data, e, currency, fins) for e in data.entities]
    with_data = [b for b in blocks if b.latest is not None]
    foreign: list[Foreign] = []
    for block in with_data:
        fin = block.financials
        assert fin is not None and block.latest is not None
        for line in LINES:
            figure = getattr(fin, line)
            if figure.value is not None and figure.unit != currency:
                foreign.append(Foreign(block.entity, line.title(), figure, summed=True))
        others = [(m, f, "") for m, f, _ in block.other_lines]
        others += [(s.metric, s.figure, s.span) for s in block.spans]
        for metric, figure, span in others:
            if figure.is_money and figure.unit != currency and figure.value is not None:
                foreign.append(Foreign(block.entity, metric.name, figure, False, span))
        for receivable in block.latest.receivables:
            figure = receivable_figure(receivable, block.latest)
            if is_open(receivable) and figure.unit != currency and figure.value is not None:
                what = f"Receivable {receivable.invoice or receivable.client}"
                foreign.append(Foreign(block.entity, what, figure, summed=True))
    revenue = rollup([b.revenue for b in with_data], currency, higher_is_better=True)
    net = rollup([b.net for b in with_data], currency, higher_is_better=True)
    # The portfolio margin only over entities with both lines in the report's currency, so an
    # entity without a net line does not make the others look more profitable.
    both = [
        (b.revenue.current.value, b.net.current.value)
        for b in with_data
        if b.revenue and b.net and b.revenue.current.value is not None
        and b.net.current.value is not None
        and b.revenue.unit == currency and b.net.unit == currency
    ]  # fmt: skip
    revenue_sum = sum((r for r, _ in both), Decimal(0))
    margin = sum((n for _, n in both), Decimal(0)) / revenue_sum * 100 if revenue_sum else None
    receivables_total = sum_by_currency([], primary=currency)
    for block in with_data:
        assert block.receivables is not None
        for code, amount in block.receivables.amounts.items():
            receivables_total.add(Figure(amount, code))
    receivable_changes = [
        b.receivables_change.change
        for b in with_data
        if b.receivables_change is not None and b.receivables_change.change is not None
    ]
    receivable_change = sum(receivable_changes, Decimal(0)) if receivable_changes else None
    receivable_direction = direction_of(receivable_change)
    trend = _trend(data, currency) if data.is_portfolio else []
    chart = None
    if data.is_portfolio and any(p.revenue.value is not None for p in trend):
        chart = grouped_bars(
            [p.label for p in trend],
            [
                ("Revenue", "s-revenue", [p.revenue for p in trend]),
                ("Expenses", "s-expenses", [p.expenses for p in trend]),
                ("Net", "s-net", [p.net for p in trend]),
            ],
            unit=currency,
        )
    return CfoReport(
        portfolio=data.is_portfolio,
        detailed=detailed(data),
        currency=currency,
        revenue=revenue,
        expenses=rollup([b.expenses for b in with_data], currency, higher_is_better=False),
        net=net,
        cash=rollup([b.cash for b in with_data], currency, higher_is_better=True),
        receivables=Rollup(
            receivables_total,
            Figure(receivable_change, currency),
            len(receivable_changes),
            receivable_direction,
            tone_of(receivable_direction, higher_is_better=False),
        ),
        margin=margin,
        entities=blocks,
        no_financials=[b.entity for b in with_data if not b.has_financials],
        foreign=foreign,
        trend=trend,
        chart=chart,
    )
