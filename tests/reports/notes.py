"""Report data as a builder reads it, made without the database.

`portfolio(entity("jada", note("2026-11", fin("Revenue", "1000")), ...), ...)` is a ReportData
of plain dataclasses, numbering each note's lines 10, 11, 12… in the order given, as a note
would: builders are plain functions, so their tests need no database and run fast.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from reports.personas.data import (
    PORTFOLIO,
    EntityRef,
    ItemData,
    MetricData,
    ReceivableData,
    ReportData,
    SnapshotData,
)

TODAY = dt.date(2026, 11, 25)
_ids = itertools.count(1)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def fin(name: str, value: str | None, unit: str = "USD", raw: str | None = None,
        notes: str = "") -> MetricData:  # fmt: skip
    return MetricData("financials", name, _dec(value), unit, None, notes,
                      raw if raw is not None else (value or ""), 0)  # fmt: skip


def kpi(name: str, value: str | None, unit: str = "") -> MetricData:
    return MetricData("kpis", name, _dec(value), unit, None, "", value or "", 0)


def item(kind: str, text: str, severity: str = "", resolved: bool = False) -> ItemData:
    return ItemData(kind, text, severity, resolved, 0)


def rec(client: str, amount: str | None, due: dt.date | None, status: str = "sent",
        unit: str = "USD") -> ReceivableData:  # fmt: skip
    return ReceivableData(client, "", _dec(amount), unit, due, status, 0)


@dataclass(frozen=True)
class Note:
    period: str
    rows: tuple[MetricData | ItemData | ReceivableData, ...]
    currency: str
    stale: bool


def note(period: str, *rows: MetricData | ItemData | ReceivableData, currency: str = "USD",
         stale: bool = False) -> Note:  # fmt: skip
    return Note(period, rows, currency, stale)


@dataclass(frozen=True)
class Entity:
    ref: EntityRef
    notes: tuple[Note, ...]


def entity(slug: str, *notes: Note, name: str = "") -> Entity:
    return Entity(EntityRef(next(_ids), slug, name or slug.title(), "core"), notes)


def _snapshot(ref: EntityRef, given: Note) -> SnapshotData:
    year, month = map(int, given.period.split("-"))
    snapshot = SnapshotData(
        id=next(_ids), entity_id=ref.id, period=dt.date(year, month, 1),
        period_label=given.period, currency=given.currency,
        path=f"{given.period}/{ref.slug}.md",
        ingested_at=dt.datetime(year, month, 28, tzinfo=dt.UTC), stale=given.stale,
        loaded=frozenset({"metrics", "items", "receivables"}),
    )  # fmt: skip
    for line, row in enumerate(given.rows, start=10):
        row = row._replace(line=line)
        if isinstance(row, MetricData):
            snapshot.metrics.append(row)
        elif isinstance(row, ItemData):
            snapshot.items.append(row)
        else:
            snapshot.receivables.append(row)
    return snapshot


def report_data(*entities: Entity, scope: str = PORTFOLIO, today: dt.date = TODAY) -> ReportData:
    """The data of a report on these entities (one entity: scope its slug), oldest note first."""
    return ReportData(
        scope=scope,
        entities=tuple(e.ref for e in entities),
        histories={
            e.ref.id: sorted((_snapshot(e.ref, n) for n in e.notes), key=lambda s: s.as_of)
            for e in entities
        },
        as_of=None,
        today=today,
    )


def one(given: Entity, today: dt.date = TODAY) -> ReportData:
    return report_data(given, scope=given.ref.slug, today=today)
