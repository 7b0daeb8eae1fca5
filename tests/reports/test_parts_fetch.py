"""The snapshot rows read for reports are exactly the rows the ORM reads, converted alike."""

import datetime as dt

import pytest

from entities.models import Item, Metric, Receivable, Snapshot
from reports.selectors import _parts_fetch
from tests.factories import EntityFactory
from tests.reports.factories import fin, item, kpi, mkt, note, rec

pytestmark = pytest.mark.django_db


def test_parts_are_the_orms_rows_with_the_same_types_and_exponents():
    entity = EntityFactory()
    old = note(entity, "2026-10", fin("Revenue", "1200.50"), kpi("Leads", "12", target="15.5"))
    new = note(
        entity, "2026-11", fin("Revenue", "-0.000001"), fin("Net", None), fin("Cash", "0"),
        kpi("Leads", "12", target="15.5"), mkt("Conversion", "3.25", unit="%"),
        item("risk", "A risk", "high"), item("risk", "Gone", resolved=True),
        item("tech_debt", "Debt"), rec("A", "10.5", dt.date(2026, 12, 1)),
        rec("B", None, None, "paid", unit="EUR"),
        problems=[{"line": 3, "severity": "warning", "message": "odd"}],
    )  # fmt: skip
    missing = [(s.pk, part) for s in (old, new) for part in ("h", "m:financials", "r")]
    missing += [(new.pk, "m:kpis"), (new.pk, "m:marketing"), (old.pk, "m:kpis")]
    missing += [(new.pk, "i:risk"), (old.pk, "i:risk"), (new.pk, "i:tech_debt")]

    found = _parts_fetch(missing)

    def orm(model, fields, **where):
        return list(
            model.objects.filter(**where).order_by("snapshot_id", "line", "id")
            .values_list(*fields)
        )  # fmt: skip

    metric_fields = ("section", "name", "value", "unit", "target", "notes", "raw", "line")
    for pk, part in missing:
        rows = [tuple(r) for r in found[(pk, part)]] if part != "h" else found[(pk, part)]
        kind, _, name = part.partition(":")
        if kind == "m":
            expected = orm(Metric, metric_fields, snapshot_id=pk, section=name)
        elif kind == "i":
            fields = ("kind", "text", "severity", "resolved", "line")
            expected = orm(Item, fields, snapshot_id=pk, kind=name)
        elif kind == "r":
            fields = ("client", "invoice", "amount", "unit", "due", "status", "line")
            expected = orm(Receivable, fields, snapshot_id=pk)
        else:
            snapshot = Snapshot.objects.get(pk=pk)
            assert rows[:3] == (snapshot.period, snapshot.period_label, snapshot.currency)
            assert rows[4] == snapshot.ingested_at
            assert [tuple(p) for p in rows[5]] == [
                (p.get("line"), p.get("severity", ""), p.get("message", ""))
                for p in snapshot.problems
            ]
            continue
        assert repr(rows) == repr(expected), part  # the same decimals, to the exponent
