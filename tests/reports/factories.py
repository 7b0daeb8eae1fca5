"""Snapshots with known rows, for the report tests.

`note(entity, "2026-11", fin("Revenue", "1000"), kpi("Leads", "5", target="6"), ...)` makes a
snapshot and its rows, numbering lines in the order given, as a note would.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from entities.models import Snapshot
from tests.factories import (  # noqa: F401  (re-exported for the report tests)
    EntityFactory,
    ItemFactory,
    MetricFactory,
    ReceivableFactory,
    SnapshotFactory,
)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def fin(name: str, value: str | None, unit: str = "USD", raw: str | None = None,
        notes: str = "") -> dict:  # fmt: skip
    return {"row": "metric", "section": "financials", "name": name, "value": _dec(value),
            "unit": unit, "raw": raw if raw is not None else (value or ""),
            "notes": notes}  # fmt: skip


def kpi(name: str, value: str | None, target: str | None = None, unit: str = "",
        raw: str | None = None, better: str = "") -> dict:  # fmt: skip
    return {"row": "metric", "section": "kpis", "name": name, "value": _dec(value),
            "target": _dec(target), "unit": unit,
            "raw": raw if raw is not None else (value or ""), "better": better}  # fmt: skip


def mkt(name: str, value: str | None, unit: str = "", better: str = "") -> dict:
    return {"row": "metric", "section": "marketing", "name": name, "value": _dec(value),
            "unit": unit, "raw": value or "", "better": better}  # fmt: skip


def item(kind: str, text: str, severity: str = "", resolved: bool = False) -> dict:
    return {"row": "item", "kind": kind, "text": text, "severity": severity,
            "resolved": resolved}  # fmt: skip


def rec(client: str, amount: str | None, due: dt.date | None, status: str = "current",
        unit: str = "USD", invoice: str = "") -> dict:  # fmt: skip
    return {"row": "receivable", "client": client, "amount": _dec(amount), "due": due,
            "status": status, "unit": unit, "invoice": invoice}  # fmt: skip


def note(entity: Any, period: str | None = "2026-11", *rows: dict, **fields: Any) -> Snapshot:
    """A snapshot of `entity` for `period` ("YYYY-MM") with these rows, lines 10, 11, 12…"""
    if period is not None:
        year, month = map(int, period.split("-"))
        fields.setdefault("period", dt.date(year, month, 1))
        fields.setdefault("period_label", period)
    else:
        fields.setdefault("period", None)
        fields.setdefault("period_label", "")
    snapshot = SnapshotFactory(entity=entity, **fields)
    lines = itertools.count(10)
    for given in rows:
        row = dict(given)  # the same row may be given to several notes
        kind = row.pop("row")
        if kind == "metric":
            MetricFactory(snapshot=snapshot, line=next(lines), **row)
        elif kind == "item":
            ItemFactory(snapshot=snapshot, line=next(lines), **row)
        else:
            ReceivableFactory(snapshot=snapshot, line=next(lines), **row)
    return snapshot
