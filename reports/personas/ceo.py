"""CEO: "How is the portfolio doing, and what needs me?"

Per entity: headline KPIs against target, revenue, expenses and net for the period, the top
open risks and next steps, and what changed since the previous note. Across the portfolio:
totals (like currencies only) and a short list of what needs the CEO's attention.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.charts import BarChart, Sparkline, grouped_bars, sparkline
from reports.formatting import format_period
from reports.personas.common import (
    Delta,
    Figure,
    Financials,
    ItemChanges,
    Rollup,
    by_severity,
    delta,
    detailed,
    financials_of,
    first_paragraph,
    item_changes,
    metric_figure,
    metric_index,
    metric_lower_is_better,
    name_key,
    primary_currency,
    rollup,
    target_figure,
    target_status,
)
from reports.personas.data import (
    DataNeeds,
    EntityRef,
    EventData,
    ItemData,
    NarrativeData,
    ReportData,
    SnapshotData,
    Source,
)

NEEDS = DataNeeds(
    metric_depth={"kpis": 2, "financials": 2},
    item_depth={"risk": 2, "next_step": 2, "tech_debt": 1},
    narrative=True,
    crew_events=True,
)
# One entity: its whole recent history, for the KPI and money charts.
ENTITY_NEEDS = DataNeeds(
    metric_depth={"kpis": 12, "financials": 12},
    item_depth={"risk": 2, "next_step": 2, "tech_debt": 1},
    narrative=True,
    crew_events=True,
)
PORTFOLIO_KPIS = 6  # headline KPIs per entity on the portfolio page
PORTFOLIO_ITEMS = 3  # risks and next steps per entity on the portfolio page
ATTENTION_LIMIT = 10


@dataclass(frozen=True, slots=True)
class KpiLine:
    name: str
    figure: Figure
    target: Figure
    status: str | None  # "met", "missed", or None without a target or a value
    lower_is_better: bool
    change: Delta
    notes: str
    history: Sparkline | None = None


@dataclass(frozen=True, slots=True)
class Attention:
    """Something that needs the CEO: a severe open risk, a stale note, a loss."""

    entity: EntityRef
    kind: str
    severity: str
    text: str  # from the note: sanitised when shown
    figure: Figure | None = None
    source: Source | None = None


@dataclass(slots=True)
class CeoEntity:
    entity: EntityRef
    latest: SnapshotData | None
    previous: SnapshotData | None
    lead: str = ""  # the note's opening paragraph (markdown, sanitised when shown)
    narrative: list[NarrativeData] = field(default_factory=list)
    kpis: list[KpiLine] = field(default_factory=list)
    kpis_hidden: int = 0
    kpis_met: int = 0
    kpis_targeted: int = 0
    financials: Financials | None = None
    revenue: Delta | None = None
    expenses: Delta | None = None
    net: Delta | None = None
    cash: Delta | None = None
    risks: list[ItemData] = field(default_factory=list)
    risks_open: int = 0
    risks_severe: int = 0  # open critical and high
    steps: list[ItemData] = field(default_factory=list)
    steps_open: int = 0
    risk_changes: ItemChanges | None = None
    step_changes: ItemChanges | None = None
    money_chart: BarChart | None = None

    @property
    def has_changes(self) -> bool:
        r, s = self.risk_changes, self.step_changes
        return bool(
            (r and (r.opened or r.resolved or r.dropped)) or (s and (s.resolved or s.opened))
        )


@dataclass(slots=True)
class CeoReport:
    portfolio: bool
    detailed: bool  # cards, entity by entity; else one table row per entity
    currency: str
    revenue: Rollup
    expenses: Rollup
    net: Rollup
    cash: Rollup
    attention: list[Attention]
    attention_more: int
    entities: list[CeoEntity]
    kpis_met: int
    kpis_targeted: int
    events: list[tuple[EntityRef, EventData]] = field(default_factory=list)
    events_shown: bool = True  # False for an earlier date: readiness is only known for now


def _kpi_lines(entity: CeoEntity, history: list[SnapshotData], *, charts: bool) -> None:
    latest, previous = entity.latest, entity.previous
    assert latest is not None
    before = metric_index(previous, "kpis") if previous else {}
    indexes = [metric_index(s, "kpis") for s in history] if charts else []
    lines = []
    for metric in latest.metrics_in("kpis"):
        lower = metric_lower_is_better(metric)
        figure = metric_figure(metric, latest)
        earlier = before.get(name_key(metric.name))
        change = delta(
            figure,
            (metric_figure(earlier, previous) if earlier else Figure(None, metric.unit))
            if previous
            else None,
            higher_is_better=not lower,
        )
        spark = None
        if charts:
            key = name_key(metric.name)
            series = []
            for snapshot, index in zip(history, indexes, strict=True):
                match = index.get(key)
                series.append(metric_figure(match, snapshot) if match else Figure(None))
            spark = sparkline(
                series, [s.label for s in history], width=160, height=36, target=metric.target
            )
        lines.append(
            KpiLine(
                name=metric.name,
                figure=figure,
                target=target_figure(metric, latest),
                status=target_status(metric.value, metric.target, lower=lower),
                lower_is_better=lower,
                change=change,
                notes=metric.notes,
                history=spark,
            )
        )
    targeted = [k for k in lines if k.status is not None]
    entity.kpis_targeted = len(targeted)
    entity.kpis_met = sum(k.status == "met" for k in targeted)
    entity.kpis = lines


def _money_chart(history: list[SnapshotData]) -> BarChart | None:
    if len(history) < 1:
        return None
    rows = [financials_of(s) for s in history]
    if not any(r.present for r in rows):
        return None
    # One currency per chart: the newest note's. An older line in another currency is a gap.
    unit = rows[-1].revenue.unit

    def pick(figure: Figure) -> Figure:
        return figure if figure.unit == unit else Figure(None, unit)

    return grouped_bars(
        [s.label for s in history],
        [
            ("Revenue", "s-revenue", [pick(r.revenue) for r in rows]),
            ("Expenses", "s-expenses", [pick(r.expenses) for r in rows]),
            ("Net", "s-net", [pick(r.net) for r in rows]),
        ],
        unit=unit,
        height=200,
    )


def _entity(data: ReportData, entity: EntityRef) -> CeoEntity:
    history = data.histories.get(entity.id) or []
    latest, previous = data.latest(entity.id), data.previous(entity.id)
    block = CeoEntity(entity=entity, latest=latest, previous=previous)
    if latest is None:
        return block
    lead = next((n for n in latest.narrative if n.heading == ""), None)
    block.lead = first_paragraph(lead.body) if lead else ""
    if not data.is_portfolio:
        block.narrative = latest.narrative
    if not detailed(data):
        # The portfolio table shows how many KPIs are on target, not the KPIs themselves.
        statuses = [
            target_status(m.value, m.target, lower=metric_lower_is_better(m))
            for m in latest.metrics_in("kpis")
        ]
        block.kpis_targeted = sum(s is not None for s in statuses)
        block.kpis_met = statuses.count("met")
    else:
        _kpi_lines(block, history, charts=not data.is_portfolio)
    if data.is_portfolio:
        # Targeted KPIs first: on the portfolio page these are the headline.
        ordered = sorted(block.kpis, key=lambda k: k.status is None)
        block.kpis_hidden = max(0, len(ordered) - PORTFOLIO_KPIS)
        block.kpis = ordered[:PORTFOLIO_KPIS]
    block.financials = financials_of(latest)
    before = financials_of(previous) if previous else None
    block.revenue = delta(block.financials.revenue, before.revenue if before else None)
    block.expenses = delta(
        block.financials.expenses, before.expenses if before else None, higher_is_better=False
    )
    block.net = delta(block.financials.net, before.net if before else None)
    block.cash = delta(block.financials.cash, before.cash if before else None)
    risks = by_severity(i for i in latest.items_of("risk") if not i.resolved)
    steps = [i for i in latest.items_of("next_step") if not i.resolved]
    block.risks_open, block.steps_open = len(risks), len(steps)
    block.risks_severe = sum(r.severity in ("critical", "high") for r in risks)
    limit = (PORTFOLIO_ITEMS if detailed(data) else 1) if data.is_portfolio else None
    block.risks, block.steps = risks[:limit], steps[:limit]
    block.risk_changes = item_changes(
        previous.items_of("risk") if previous else None, latest.items_of("risk")
    )
    block.step_changes = item_changes(
        previous.items_of("next_step") if previous else None, latest.items_of("next_step")
    )
    if not data.is_portfolio:
        block.money_chart = _money_chart(history)
    return block


def _attention(blocks: list[CeoEntity]) -> list[Attention]:
    found: list[tuple[int, Attention]] = []
    for block in blocks:
        latest = block.latest
        if latest is None:
            continue
        if latest.stale:
            found.append(
                (
                    1,
                    Attention(
                        block.entity,
                        "Stale note",
                        "high",
                        f"No note newer than {format_period(latest.label)}.",
                    ),
                )
            )
        for item in latest.items:
            if item.resolved:
                continue
            if item.kind == "risk" and item.severity in ("critical", "high"):
                rank = 0 if item.severity == "critical" else 2
                kind = "Risk"
            elif item.kind == "tech_debt" and item.severity == "critical":
                rank, kind = 0, "Tech debt"
            else:
                continue
            found.append(
                (
                    rank,
                    Attention(
                        block.entity,
                        kind,
                        item.severity,
                        item.text,
                        source=latest.source(item.line),
                    ),
                )
            )
        net = block.financials.net if block.financials else None
        if net is not None and net.value is not None and net.value < 0:
            found.append(
                (
                    3,
                    Attention(
                        block.entity,
                        "Loss",
                        "medium",
                        f"Net loss for {format_period(latest.label)}.",
                        figure=net,
                        source=net.source,
                    ),
                )
            )
    found.sort(key=lambda pair: pair[0])  # stable: entity order within a rank
    return [a for _, a in found]


def build(data: ReportData) -> CeoReport:
    blocks = [_entity(data, e) for e in data.entities]
    with_data = [b for b in blocks if b.latest is not None]
    currency = primary_currency(b.latest.currency for b in with_data if b.latest)

    def money(line: str, higher_is_better: bool = True) -> Rollup:
        return rollup(
            (getattr(b, line) for b in with_data), currency, higher_is_better=higher_is_better
        )

    attention = _attention(blocks)
    by_id = {e.id: e for e in data.entities}
    return CeoReport(
        portfolio=data.is_portfolio,
        detailed=detailed(data),
        currency=currency,
        revenue=money("revenue"),
        expenses=money("expenses", higher_is_better=False),
        net=money("net"),
        cash=money("cash"),
        attention=attention[:ATTENTION_LIMIT],
        attention_more=max(0, len(attention) - ATTENTION_LIMIT),
        entities=blocks,
        kpis_met=sum(b.kpis_met for b in blocks),
        kpis_targeted=sum(b.kpis_targeted for b in blocks),
        events=[(by_id[e.entity_id], e) for e in data.events if e.entity_id in by_id],
        events_shown=data.as_of is None,
    )
