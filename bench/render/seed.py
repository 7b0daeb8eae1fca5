"""A portfolio for the render benchmark: N entities x M monthly snapshots, modelled on the
example notes (their metrics, items and receivables, numbers varied), written with bulk inserts.

The example notes are first read by the real ingestion, so the rows have exactly the shapes
ingestion makes; each bench entity then copies one example entity's history, month by month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from entities.models import Entity, Item, Metric, Receivable, Snapshot
from entities.periods import note_stands_from
from entities.services import handoffs_ingest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "handoffs"


def _months(count: int, last: dt.date) -> list[dt.date]:
    months = []
    year, month = last.year, last.month
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months[::-1]


def _vary(value: Decimal | None, rng: random.Random, unit: str) -> Decimal | None:
    if value is None:
        return None
    factor = Decimal(str(round(rng.uniform(0.8, 1.2), 3)))
    varied = value * factor
    # Percentages keep one decimal, everything else whole numbers, as people write them.
    return varied.quantize(Decimal("0.1") if unit == "%" else Decimal("1"))


@transaction.atomic
def seed(*, entities: int, snapshots: int, last: dt.date = dt.date(2026, 11, 1)) -> None:
    handoffs_ingest(paths=[EXAMPLES])
    examples = list(Entity.objects.order_by("slug"))
    histories = {
        e.pk: list(
            Snapshot.objects.filter(entity=e)
            .order_by("period")
            .prefetch_related("metrics", "items", "receivables")
        )
        for e in examples
    }
    rng = random.Random(42)
    months = _months(snapshots, last)
    now = timezone.now()
    new_entities = Entity.objects.bulk_create(
        Entity(
            slug=f"bench-{n:04d}",
            name=f"{examples[n % len(examples)].name} #{n}",
            kind=examples[n % len(examples)].kind,
        )
        for n in range(entities)
    )
    notes: list[Note] = []
    for n, entity in enumerate(new_entities):
        model = histories[examples[n % len(examples)].pk]
        for m, period in enumerate(months):
            ingested_at = now - dt.timedelta(days=31 * (len(months) - m))
            notes.append(_note_like(model[m % len(model)], entity, period, rng,
                                    ingested_at=ingested_at))  # fmt: skip
    Snapshot.objects.bulk_create([note[0] for note in notes], batch_size=500)
    for position, row_model in enumerate((Metric, Item, Receivable), start=1):
        rows = [row for note in notes for row in note[position]]
        row_model.objects.bulk_create(rows, batch_size=2000)
    # The examples themselves are not part of the bench portfolio.
    Entity.objects.filter(pk__in=[e.pk for e in examples]).delete()


Note = tuple[Snapshot, list[Metric], list[Item], list[Receivable]]


def _note_like(
    source: Snapshot,
    entity: Entity,
    period: dt.date,
    rng: random.Random,
    *,
    ingested_at: dt.datetime,
) -> Note:
    """A note of `entity` for `period` modelled on `source` (rows prefetched or not): its rows
    copied with the numbers varied, some items resolved or reopened, due dates moved with the
    period. Nothing saved."""
    label = f"{period:%Y-%m}"
    snapshot = Snapshot(
        entity=entity,
        source_path=f"/srv/handoffs/{label}/{entity.slug}.md",
        display_path=f"{label}/{entity.slug}.md",  # as the ingest shows it: every figure's hover
        content_hash=hashlib.sha256(f"{entity.slug}{label}".encode()).hexdigest(),
        period=period,
        period_label=label,
        currency=source.currency,
        raw_text=source.raw_text,
        parsed=source.parsed,
        problems=source.problems,
        warning_count=source.warning_count,
        ingested_at=ingested_at,
        # bulk_create skips save(), which works this out for every other snapshot.
        stands_from=note_stands_from(period=period, period_label=label, ingested_at=ingested_at),
    )
    assert source.period is not None
    shift = (period.year - source.period.year) * 12 + period.month - source.period.month
    metrics = [
        Metric(snapshot=snapshot, section=m.section, name=m.name,
               value=_vary(m.value, rng, m.unit), unit=m.unit, target=m.target,
               period=m.period, notes=m.notes, raw=m.raw, line=m.line)
        for m in source.metrics.all()
    ]  # fmt: skip
    items = [
        Item(snapshot=snapshot, kind=i.kind, text=i.text, severity=i.severity,
             resolved=i.resolved if rng.random() > 0.15 else not i.resolved, line=i.line)
        for i in source.items.all()
    ]  # fmt: skip
    receivables = [
        Receivable(snapshot=snapshot, client=r.client, invoice=r.invoice,
                   amount=_vary(r.amount, rng, r.unit), unit=r.unit,
                   due=None if r.due is None else r.due + dt.timedelta(days=round(shift * 30.4)),
                   status=r.status, line=r.line)
        for r in source.receivables.all()
    ]  # fmt: skip
    return snapshot, metrics, items, receivables
