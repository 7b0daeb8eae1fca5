"""CMO: "Is demand growing?"

Marketing and sales KPIs per entity — bookings, leads, conversion, traffic — with their trend
across snapshots, and the portfolio's demand summed where the same count is kept by several
entities (never a percentage, never money in different currencies).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from reports.charts import LineChart, Sparkline, line_chart, spark_text, sparkline
from reports.personas.common import (
    Delta,
    Figure,
    delta,
    detailed,
    direction_of,
    lower_is_better,
    metric_figure,
    metric_index,
    name_key,
    tone_of,
    when,
)
from reports.personas.data import DataNeeds, EntityRef, MetricData, ReportData, SnapshotData

TREND_DEPTH = 12

# KPIs outside the marketing section that are still about demand, as (before, word, after):
# every spelling holds its word, so the database can leave out the other KPIs (by the words,
# a superset) before this pattern picks the demand ones exactly.
_DEMAND_TERMS: tuple[tuple[str, str, str], ...] = (
    ("", "book", "(?:ings?|ed)"), ("", "lead", "s?"), ("", "conversion", ""),
    ("", "quote", "s?"), ("", "win rate", ""), ("", "sessions", ""), ("", "traffic", ""),
    ("", "visit", "(?:s|ors)"), ("", "inquiries", ""), ("", "enquiries", ""),
    ("", "sign", "-?ups"), ("", "pipeline", ""), ("", "proposal", "s?"),
    ("", "referral", "s?"), ("", "subscribers", ""), ("", "followers", ""),
    ("", "listing views", ""), ("", "showings", ""), ("", "applications", ""),
    ("", "orders", ""), ("", "new customers", ""), ("", "repeat customers", ""),
    ("pre-?", "sales", ""),
)  # fmt: skip
DEMAND_WORDS = tuple(word for _, word, _ in _DEMAND_TERMS)
_DEMAND = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(before + re.escape(word) + after for before, word, after in _DEMAND_TERMS)
    + r")(?![\w-])",
    re.IGNORECASE,
)
NEEDS = DataNeeds(
    metric_depth={"marketing": TREND_DEPTH, "kpis": TREND_DEPTH},
    metric_words={"kpis": DEMAND_WORDS},
)

# Counts the portfolio sums when several entities keep them, by the names they use.
TOTALS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Leads", frozenset({"leads", "new leads", "inbound leads", "leads (new)"})),
    (
        "Website sessions",
        frozenset(
            {
                "website sessions",
                "sessions",
                "site sessions",
                "web sessions",
                "website visits",
                "visits",
                "traffic",
                "website traffic",
                "unique visitors",
            }
        ),
    ),
    ("Bookings", frozenset({"bookings", "bookings confirmed", "new bookings", "charters booked"})),
)
# The columns of the portfolio table when there are too many entities for cards.
HEADLINES: tuple[tuple[str, frozenset[str]], ...] = (
    *TOTALS,
    (
        "Conversion",
        frozenset({"conversion", "conversion rate", "win rate", "quote win rate", "close rate"}),
    ),
)


# Money put into demand: more is neither good nor bad news on its own.
_NEUTRAL = re.compile(r"(?<![\w-])(?:spend|budget|ad spend)(?![\w-])", re.IGNORECASE)


def higher_is_better(metric: MetricData) -> bool | None:
    """Whether a rise is good news: as the note's target says ("≤"/"≥"), else by the name,
    where money put into demand is neither."""
    if metric.better:
        return metric.better == "higher"
    return _higher_by_name(metric.name)


@lru_cache(maxsize=8192)
def _higher_by_name(name: str) -> bool | None:
    if _NEUTRAL.search(name):
        return None
    return not lower_is_better(name)


@lru_cache(maxsize=8192)
def _demand_name(name: str) -> bool:
    return bool(_DEMAND.search(name))


def is_demand(metric: MetricData) -> bool:
    return metric.section == "marketing" or _demand_name(metric.name)


@dataclass(slots=True)
class EntityHistory:
    """One entity's snapshots, oldest first, shared by its demand lines. A snapshot's metrics
    are indexed by name only when a line reads that far back."""

    snapshots: list[SnapshotData]
    labels: tuple[str, ...]
    _indexes: dict[int, dict[str, MetricData]] = field(default_factory=dict)
    _values: dict[str, list[tuple[Decimal | None, str]]] = field(default_factory=dict)

    def index(self, position: int) -> dict[str, MetricData]:
        found = self._indexes.get(position)
        if found is None:
            found = self._indexes[position] = metric_index(self.snapshots[position])
        return found

    def metric(self, position: int, key: str) -> MetricData | None:
        return self.index(position).get(key)

    def series(self, key: str) -> tuple[Figure, ...]:
        out = []
        for position, snapshot in enumerate(self.snapshots):
            metric = self.metric(position, key)
            out.append(metric_figure(metric, snapshot) if metric else Figure(None))
        return tuple(out)

    def values(self, key: str) -> list[tuple[Decimal | None, str]]:
        """(value, unit) per snapshot: what a text trend or a sum needs, without figures.
        Read once per line (the text trend and the portfolio's sums both ask); not to be
        changed by the caller."""
        out = self._values.get(key)
        if out is None:
            out = self._values[key] = []
            for position in range(len(self.snapshots)):
                metric = self.index(position).get(key)
                out.append((metric.value, metric.unit) if metric else (None, ""))
        return out


@dataclass(slots=True)
class DemandLine:
    """A demand measure of one entity. Its history and trend are read only when shown: a large
    portfolio shows a few measures per entity, not every one."""

    name: str
    section: str
    figure: Figure
    change: Delta
    key: str
    past: EntityHistory
    cards: bool  # drawn as an SVG sparkline (cards, one entity) or as text (the big table)
    one_entity: bool

    @property
    def history(self) -> tuple[Figure, ...]:
        return self.past.series(self.key)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.past.labels

    @property
    def trend(self) -> Sparkline | None:
        if not self.cards:
            return None
        return sparkline(self.history, self.labels, width=140, height=30)

    @property
    def trend_text(self) -> str:
        return spark_text([Figure(value) for value, _ in self.past.values(self.key)])

    @property
    def chart(self) -> LineChart | None:
        if not self.one_entity:
            return None
        return line_chart(
            self.labels, [(self.name, "s-demand", self.history)], unit=self.figure.unit,
            width=360, height=170,
        )  # fmt: skip


@dataclass(slots=True)
class CmoEntity:
    entity: EntityRef
    latest: SnapshotData | None
    previous: SnapshotData | None
    lines: list[DemandLine] = field(default_factory=list)
    headline: list[DemandLine | None] = field(default_factory=list)  # one per HEADLINES
    when: str = ""  # "Nov 2026 vs Oct 2026"
    growing: int = 0  # lines up against the previous note (down for lower-is-better ones)
    shrinking: int = 0


@dataclass(frozen=True, slots=True)
class DemandTotal:
    name: str
    total: Figure
    entities: int
    change: Figure  # the sum of each entity's own change, over those with both notes
    compared: int
    direction: str | None
    tone: str
    chart: LineChart | None
    trend: tuple[tuple[str, Figure, int], ...]  # (period, total, entities) for the email table


@dataclass(slots=True)
class CmoReport:
    portfolio: bool
    detailed: bool
    headline_names: tuple[str, ...]
    entities: list[CmoEntity]
    totals: list[DemandTotal]
    growing: int
    shrinking: int


def _entity(data: ReportData, entity: EntityRef, cards: bool) -> CmoEntity:
    history = data.histories.get(entity.id) or []
    latest, previous = data.latest(entity.id), data.previous(entity.id)
    block = CmoEntity(entity, latest, previous, when=when(latest, previous))
    if latest is None:
        return block
    past = EntityHistory(history, tuple(s.label for s in history))
    before = past.index(len(history) - 2) if previous else {}
    demand = [m for m in latest.metrics if is_demand(m)]
    # The marketing section first, then demand KPIs, each in the note's order.
    demand.sort(key=lambda m: (m.section != "marketing", m.line))
    seen: set[str] = set()
    for metric in demand:
        key = name_key(metric.name)
        if key in seen:
            continue
        seen.add(key)
        current = metric_figure(past.index(len(history) - 1)[key], latest)
        earlier = None
        if previous is not None:
            earlier = metric_figure(before[key], previous) if key in before else Figure(None)
        change = delta(current, earlier, higher_is_better=higher_is_better(metric))
        if change.tone == "good":
            block.growing += 1
        elif change.tone == "bad":
            block.shrinking += 1
        block.lines.append(
            DemandLine(
                name=metric.name,
                section=metric.section,
                figure=current,
                change=change,
                key=key,
                past=past,
                cards=cards,
                one_entity=not data.is_portfolio,
            )
        )
    block.headline = [
        next((ln for ln in block.lines if name_key(ln.name) in names), None)
        for _, names in HEADLINES
    ]
    return block


def _totals(data: ReportData, blocks: list[CmoEntity]) -> list[DemandTotal]:
    found = []
    for name, names in TOTALS:
        per_period: dict[str, tuple[dt.date, list[Decimal]]] = {}
        now: list[Decimal] = []
        changes: list[Decimal] = []
        for block in blocks:
            line = next((ln for ln in block.lines if name_key(ln.name) in names), None)
            # Only plain counts add up; a unit (%, money) means a different kind of number.
            if line is None or line.figure.unit != "":
                continue
            if line.figure.value is not None:
                now.append(line.figure.value)
            if line.change.change is not None:
                changes.append(line.change.change)
            for snapshot, (value, unit) in zip(
                line.past.snapshots, line.past.values(line.key), strict=True
            ):
                if value is not None and unit == "":
                    per_period.setdefault(snapshot.label, (snapshot.as_of, []))[1].append(value)
        if not now:
            continue
        ordered = sorted(per_period.items(), key=lambda kv: kv[1][0])
        trend = tuple((label, Figure(sum(v, Decimal(0))), len(v)) for label, (_, v) in ordered)
        change = sum(changes, Decimal(0)) if changes else None
        direction = direction_of(change)
        chart = None
        if len(trend) > 1:
            chart = line_chart(
                [t[0] for t in trend], [(name, "s-demand", [t[1] for t in trend])], width=360,
                height=170,
            )  # fmt: skip
        found.append(
            DemandTotal(
                name=name,
                total=Figure(sum(now, Decimal(0))),
                entities=len(now),
                change=Figure(change),
                compared=len(changes),
                direction=direction,
                tone=tone_of(direction, True),
                chart=chart,
                trend=trend,
            )
        )
    return found


def build(data: ReportData) -> CmoReport:
    cards = detailed(data)
    blocks = [_entity(data, e, cards) for e in data.entities]
    return CmoReport(
        portfolio=data.is_portfolio,
        detailed=cards,
        headline_names=tuple(name for name, _ in HEADLINES),
        entities=blocks,
        totals=_totals(data, blocks) if data.is_portfolio else [],
        growing=sum(b.growing for b in blocks),
        shrinking=sum(b.shrinking for b in blocks),
    )
