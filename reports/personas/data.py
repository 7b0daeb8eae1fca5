"""What a persona builder reads: plain, immutable copies of stored snapshots.

Builders never touch the ORM. `reports.selectors.report_data_load` copies the rows a persona
needs into these dataclasses (in a fixed number of queries, with `values_list`), so builders
are plain functions that tests can feed without a database, and so that a portfolio of a
hundred entities does not pay for a hundred thousand model instances. Rows are named tuples,
filled straight from the columns `values_list` reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

PORTFOLIO = "portfolio"


@dataclass(frozen=True, slots=True)
class EntityRef:
    id: int
    slug: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class Source:
    """Where a figure comes from, so every number on a report can be traced to its note."""

    snapshot_id: int | None  # None for a file that made no snapshot
    path: str  # as shown: relative to the handoff folder when it is under one
    line: int | None
    period_label: str

    @property
    def label(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else self.path
        return f"{where} · {self.period_label}" if self.period_label else where


class MetricData(NamedTuple):
    section: str
    name: str
    value: Decimal | None
    unit: str
    target: Decimal | None
    notes: str
    raw: str
    line: int
    better: str = ""  # "lower", "higher", or "" when the note does not say (see common.py)


class ItemData(NamedTuple):
    kind: str
    text: str
    severity: str
    resolved: bool
    line: int


class ReceivableData(NamedTuple):
    client: str
    invoice: str
    amount: Decimal | None
    unit: str
    due: dt.date | None
    status: str
    line: int


class ProblemData(NamedTuple):
    line: int | None
    severity: str
    message: str


class NarrativeData(NamedTuple):
    heading: str
    body: str
    line: int


@dataclass(slots=True)
class SnapshotData:
    id: int
    entity_id: int
    period: dt.date | None
    period_label: str
    currency: str
    path: str
    ingested_at: dt.datetime
    stale: bool
    problems: tuple[ProblemData, ...] = ()
    metrics: list[MetricData] = field(default_factory=list)
    items: list[ItemData] = field(default_factory=list)
    receivables: list[ReceivableData] = field(default_factory=list)
    narrative: list[NarrativeData] = field(default_factory=list)
    # Which parts were loaded: a builder must not read "no risks" into parts it never asked for.
    loaded: frozenset[str] = frozenset()

    @property
    def as_of(self) -> dt.date:
        return self.period or self.ingested_at.date()

    @property
    def label(self) -> str:
        """How people name this snapshot: its period as written, else the day it was read."""
        return self.period_label or self.ingested_at.date().isoformat()

    def source(self, line: int | None) -> Source:
        return Source(self.id, self.path, line, self.label)

    def metrics_in(self, *sections: str) -> list[MetricData]:
        return [m for m in self.metrics if m.section in sections]

    def items_of(self, kind: str) -> list[ItemData]:
        return [i for i in self.items if i.kind == kind]


@dataclass(frozen=True, slots=True)
class SourceFileData:
    """A note file whose last reading failed: it made no snapshot, so only this tells of it."""

    entity_id: int
    path: str
    status: str
    problems: tuple[ProblemData, ...]
    read_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EventData:
    """An upcoming crew event of an entity in scope, with its checklist's readiness."""

    entity_id: int
    event_id: str
    title: str
    starts_at: dt.datetime
    zone: dt.tzinfo  # the event's own time zone, which its times are shown in
    items_done: int
    items_total: int
    behind: tuple[str, ...]  # who has open items past their due time

    @property
    def percent_done(self) -> int | None:
        """None when there is no checklist: "0 of 0, 100%" would say a crew is ready that
        has nothing to be ready with. Pages say "no checklist" instead."""
        return round(100 * self.items_done / self.items_total) if self.items_total else None


@dataclass(frozen=True, slots=True)
class DataNeeds:
    """How much history a persona reads. Depths count snapshots back from the newest (1 = the
    newest only); a part left out is not loaded at all."""

    snapshots: int = 2  # at least the newest and the one before it, to say what changed
    metric_depth: dict[str, int] = field(default_factory=dict)  # section -> depth
    # section -> words: of that section, only the metrics whose name holds one of the words
    # (in any case) are loaded, for a builder that shows no other (the CMO's demand KPIs).
    metric_words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    item_depth: dict[str, int] = field(default_factory=dict)  # item kind -> depth
    receivable_depth: int = 0
    narrative: bool = False
    source_files: bool = False
    crew_events: bool = False  # upcoming charters and their checklists' readiness

    @property
    def depth(self) -> int:
        return max(
            [
                self.snapshots,
                self.receivable_depth,
                *self.metric_depth.values(),
                *self.item_depth.values(),
            ]
        )


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a builder may read: the entities in scope (never one the viewer may not see)
    and their snapshots up to the report's date, oldest first."""

    scope: str  # PORTFOLIO or an entity slug
    entities: tuple[EntityRef, ...]
    histories: dict[int, list[SnapshotData]]
    as_of: dt.date | None  # the date asked for; None = each entity's newest note
    today: dt.date  # the date the report speaks for: aging and staleness count from it
    source_files: tuple[SourceFileData, ...] = ()
    events: tuple[EventData, ...] = ()  # upcoming, soonest first; only for the latest notes

    @property
    def is_portfolio(self) -> bool:
        return self.scope == PORTFOLIO

    def latest(self, entity_id: int) -> SnapshotData | None:
        history = self.histories.get(entity_id) or []
        return history[-1] if history else None

    def previous(self, entity_id: int) -> SnapshotData | None:
        history = self.histories.get(entity_id) or []
        return history[-2] if len(history) > 1 else None

    @property
    def has_any_snapshot(self) -> bool:
        return any(self.histories.get(e.id) for e in self.entities)
