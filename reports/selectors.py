"""Reads for the reports: which entities a report covers and whether its sources changed, the
snapshot rows its builder needs, and stored report runs.

Tenancy: every entity set starts from `entities.selectors.entities_visible_to`, and snapshot
rows are read through `entities.selectors` for those entities only, so nothing here can reach
an entity the viewer may not see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from crew.selectors import events_upcoming
from entities.models import Entity, Snapshot
from entities.periods import snapshot_is_stale
from entities.selectors import (
    entities_visible_to,
    items_of,
    metrics_of,
    receivables_of,
    snapshots_newest,
    source_files_failed,
)
from reports.models import ReportRun
from reports.personas.data import (
    DataNeeds,
    EntityRef,
    EventData,
    ItemData,
    MetricData,
    NarrativeData,
    ProblemData,
    ReceivableData,
    ReportData,
    SnapshotData,
    SourceFileData,
)

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True, slots=True)
class ReportScope:
    """The entities a report covers, in the portfolio's order, and a fingerprint of what they
    are now: it changes when what a report shows of an entity is edited (its slug, name or
    kind) or what a report reads of it changes — a note read, removed or failed, a crew event
    or checklist of its changed (the CEO report shows their readiness) — which moves its
    `sources_version`."""

    entities: tuple[EntityRef, ...]
    fingerprint: str


def report_scope(*, entities: QuerySet[Entity]) -> ReportScope:
    """The scope of a report over these entities, in one query."""
    rows = entities.order_by(*Entity._meta.ordering, "id")
    found = list(rows.values_list("id", "slug", "name", "kind", "sources_version"))
    digest = hashlib.sha256(repr(found).encode()).hexdigest()
    return ReportScope(tuple(EntityRef(*row[:4]) for row in found), digest)


def report_scope_for(*, user: User, slug: str | None = None) -> ReportScope:
    """Every entity the user may see, or the one with this slug if visible (else none)."""
    visible = entities_visible_to(user=user)
    if slug is not None:
        visible = visible.filter(slug=slug)
    return report_scope(entities=visible)


def report_data_load(
    *,
    entities: Sequence[EntityRef],
    scope: str,
    as_of: dt.date | None,
    today: dt.date,
    needs: DataNeeds,
) -> ReportData:
    """The snapshots (newest `needs.depth` per entity, up to as_of) with only the rows the
    persona asked for, as plain dataclasses.

    A fixed number of queries, whatever the number of entities: the snapshots' headers (each
    entity's newest, ranked by `entities.selectors.snapshots_newest`), then one query each for
    their metrics, items and receivables, narrative and failed files — only those asked for.
    Rows come in each note's order.
    """
    ids = [e.id for e in entities]
    histories: dict[int, list[SnapshotData]] = {pk: [] for pk in ids}
    if not ids:
        return ReportData(scope, tuple(entities), histories, as_of, today)

    def newest(depth: int) -> QuerySet[Snapshot]:
        return snapshots_newest(entity_ids=ids, as_of=as_of, depth=depth)

    headers = newest(needs.depth).values_list(
        "id", "entity_id", "period", "period_label", "currency", "display_path", "ingested_at",
        "problems", "newest_rank",
    )  # fmt: skip
    by_id: dict[int, SnapshotData] = {}
    rank_of: dict[int, int] = {}
    for pk, entity_id, period, label, currency, path, ingested, problems, rank in headers:
        rank_of[pk] = rank
        by_id[pk] = SnapshotData(
            id=pk,
            entity_id=entity_id,
            period=period,
            period_label=label,
            currency=currency,
            path=path,
            ingested_at=ingested,
            # Only the newest note can be stale; older ones are simply history.
            stale=rank == 1 and snapshot_is_stale(
                period=period,
                period_label=label,
                ingested_at=ingested,
                today=today,
                grace_days=settings.HANDOFF_STALE_AFTER_DAYS,
            ),
            problems=_problems(problems),
        )

    def deep_enough(rows: Iterable[tuple[Any, ...]], depth_of: dict[str, int]) -> Iterable:
        # A part read to a lesser depth than its query's (CEO: tech debt of the newest note
        # only, risks of the two newest) leaves out the older notes' rows here.
        return (row for row in rows if rank_of[row[0]] <= depth_of[row[1]])

    if needs.metric_depth:
        depth_of = needs.metric_depth
        rows = metrics_of(
            snapshots=newest(max(depth_of.values())), sections=depth_of, words=needs.metric_words
        ).values_list("snapshot_id", *MetricData._fields)
        for sid, *row in deep_enough(rows, depth_of):
            by_id[sid].metrics.append(MetricData(*row))
    if needs.item_depth:
        depth_of = needs.item_depth
        rows = items_of(snapshots=newest(max(depth_of.values())), kinds=depth_of).values_list(
            "snapshot_id", *ItemData._fields
        )
        for sid, *row in deep_enough(rows, depth_of):
            by_id[sid].items.append(ItemData(*row))
    if needs.receivable_depth:
        rows = receivables_of(snapshots=newest(needs.receivable_depth)).values_list(
            "snapshot_id", *ReceivableData._fields
        )
        for sid, *row in rows:
            by_id[sid].receivables.append(ReceivableData(*row))
    if needs.narrative:
        for sid, parsed in newest(1).values_list("id", "parsed"):
            by_id[sid].narrative = [
                NarrativeData(n.get("heading", ""), n.get("body", ""), n.get("line", 0))
                for n in (parsed or {}).get("narrative", [])
            ]
    loaded = frozenset(
        [f"metrics:{s}" for s in needs.metric_depth]
        + [f"items:{k}" for k in needs.item_depth]
        + (["receivables"] if needs.receivable_depth else [])
        + (["narrative"] if needs.narrative else [])
    )
    for pk in sorted(rank_of, key=rank_of.__getitem__, reverse=True):  # oldest first
        snapshot = by_id[pk]
        snapshot.loaded = loaded
        histories[snapshot.entity_id].append(snapshot)
    files: tuple[SourceFileData, ...] = ()
    if needs.source_files:
        files = tuple(
            SourceFileData(entity_id, path, status, _problems(problems), read_at)
            for entity_id, path, status, problems, read_at in source_files_failed(
                entity_ids=ids
            ).values_list("entity_id", "display_path", "status", "problems", "read_at")
        )
    events: tuple[EventData, ...] = ()
    if needs.crew_events and as_of is None:  # readiness is now's; history has none to show
        events = tuple(
            EventData(
                entity_id=r.event.entity_id,
                event_id=r.event.event_id,
                title=r.event.title,
                starts_at=r.event.starts_at,
                zone=r.event.zone,
                items_done=r.items_done,
                items_total=r.items_total,
                behind=tuple(r.behind),
            )
            for r in events_upcoming(entity_ids=ids, now=timezone.now())
        )
    return ReportData(scope, tuple(entities), histories, as_of, today, files, events)


def _problems(problems: list[dict[str, Any]] | None) -> tuple[ProblemData, ...]:
    return tuple(
        ProblemData(p.get("line"), p.get("severity", ""), p.get("message", ""))
        for p in problems or ()
    )


def report_run_stored(
    *, persona: str, scope: str, as_of: dt.date, view: str, source_key: str
) -> ReportRun | None:
    """The stored run with exactly this key, if there is one (one lookup on its unique key)."""
    try:
        return ReportRun.objects.get(
            persona=persona, scope=scope, as_of=as_of, view=view, source_key=source_key
        )
    except ReportRun.DoesNotExist:
        return None


def report_run_visible_get(*, user: User, pk: int) -> ReportRun:
    """One stored run, only if every entity in it is visible to the user (else DoesNotExist)."""
    run = ReportRun.objects.get(pk=pk)
    visible = set(entities_visible_to(user=user).values_list("id", flat=True))
    if not set(run.entity_ids) <= visible:
        raise ReportRun.DoesNotExist
    return run
