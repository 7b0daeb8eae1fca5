"""Reads for the reports: which entities a report covers, the snapshot rows its builder needs,
the key that says whether a stored rendering is still current, and stored report runs.

Tenancy: every entity set starts from `entities.selectors.entities_visible_to`. Snapshot rows
are then read by those entities' ids only, so nothing here can reach an entity the viewer may
not see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, Q, QuerySet

from entities.models import (
    Entity,
    Item,
    Membership,
    Metric,
    Receivable,
    Snapshot,
    SourceFile,
)
from entities.selectors import entities_visible_to, snapshot_as_of_q
from reports.models import ReportRun
from reports.personas.data import (
    DataNeeds,
    EntityRef,
    ItemData,
    MetricData,
    NarrativeData,
    ProblemData,
    ReceivableData,
    ReportData,
    SnapshotData,
    SourceFileData,
)
from reports.rowcache import ROWS, PartKey, RowCache

User = AbstractBaseUser | AnonymousUser


def report_entities(*, user: User, slug: str | None = None) -> list[EntityRef]:
    """Every entity the user may see (or the one with this slug, if visible), in the
    portfolio's order, in one query."""
    visible = entities_visible_to(user=user)
    if slug is not None:
        visible = visible.filter(slug=slug)
    rows = visible.values_list("id", "slug", "name", "kind")
    return [EntityRef(*row) for row in rows.order_by(*Entity._meta.ordering, "id")]


def personas_held(*, user: User) -> dict[int, set[str]]:
    """entity id -> the personas this user holds there, in one query (for the index)."""
    held: dict[int, set[str]] = defaultdict(set)
    if user.is_authenticated:
        for entity_id, persona in Membership.objects.filter(user=user).values_list(
            "entity_id", "persona"
        ):
            held[entity_id].add(persona)
    return held


@lru_cache(maxsize=4096)
def display_path(path: str) -> str:
    """A note's path as people know it: relative to the handoff folder it was read from."""
    candidate = Path(path)
    for root in settings.HANDOFF_DIRS:
        try:
            return candidate.relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            continue
    try:
        return candidate.relative_to(Path(settings.BASE_DIR)).as_posix()
    except ValueError:
        return candidate.as_posix()


def _as_of_filter(queryset: QuerySet, as_of: dt.date | None) -> QuerySet:
    return queryset.filter(snapshot_as_of_q(as_of)) if as_of is not None else queryset


def report_data_load(
    *,
    entities: Sequence[EntityRef],
    scope: str,
    as_of: dt.date | None,
    today: dt.date,
    needs: DataNeeds,
    cache: RowCache | None = ROWS,
) -> ReportData:
    """The snapshots (newest `needs.depth` per entity, up to as_of) with only the rows the
    persona asked for, as plain dataclasses.

    A fixed number of queries, whatever the number of entities: one for which snapshots (ids
    only, newest first), then at most one each for their headers, metrics, items, receivables
    and narrative — only for snapshots not cached yet (see reports.rowcache) — and one for
    failed files when asked.
    """
    ids = [e.id for e in entities]
    histories: dict[int, list[SnapshotData]] = {pk: [] for pk in ids}
    if not ids:
        return ReportData(scope, tuple(entities), histories, as_of, today)
    # Newest first per entity, ranked here: cheaper than a window function on SQLite, and the
    # rows are two integers each.
    order = _as_of_filter(Snapshot.objects.filter(entity_id__in=ids), as_of).order_by(
        "entity_id", F("period").desc(nulls_last=True), "-ingested_at", "-id"
    )
    rank_of: dict[int, int] = {}
    entity_of: dict[int, int] = {}
    seen: dict[int, int] = defaultdict(int)
    for pk, entity_id in order.values_list("id", "entity_id"):
        if seen[entity_id] < needs.depth:
            seen[entity_id] += 1
            rank_of[pk] = seen[entity_id]
            entity_of[pk] = entity_id

    def within(depth: int) -> list[int]:
        return [pk for pk, rank in rank_of.items() if rank <= depth]

    wanted: list[PartKey] = [(pk, "h") for pk in rank_of]
    for section, depth in needs.metric_depth.items():
        wanted += [(pk, f"m:{section}") for pk in within(depth)]
    for kind, depth in needs.item_depth.items():
        wanted += [(pk, f"i:{kind}") for pk in within(depth)]
    wanted += [(pk, "r") for pk in within(needs.receivable_depth)]
    if needs.narrative:
        wanted += [(pk, "n") for pk in within(1)]
    found, missing = cache.get_many(wanted) if cache is not None else ({}, wanted)
    fetched = _parts_fetch(missing)
    if cache is not None and fetched:
        cache.put_many(fetched)
    found.update(fetched)
    by_id: dict[int, SnapshotData] = {}
    for pk in rank_of:
        period, label, currency, path, ingested, problems = found[(pk, "h")]
        by_id[pk] = SnapshotData(
            id=pk,
            entity_id=entity_of[pk],
            period=period,
            period_label=label,
            currency=currency,
            path=path,
            ingested_at=ingested,
            # Only the newest note can be stale; older ones are simply history. The model's own
            # rule, applied to these fields without building a model instance (that costs more
            # than the rest of this loop).
            stale=rank_of[pk] == 1
            and Snapshot.is_stale(
                SimpleNamespace(period=period, period_label=label, ingested_at=ingested),
                today=today,
            ),
            problems=problems,
        )
    for (pk, part), part_rows in found.items():
        if part == "h":
            continue
        snapshot = by_id[pk]
        if part[0] == "m":
            snapshot.metrics.extend(part_rows)
        elif part[0] == "i":
            snapshot.items.extend(part_rows)
        elif part == "r":
            snapshot.receivables.extend(part_rows)
        else:
            snapshot.narrative = list(part_rows)
    loaded = frozenset(
        [f"metrics:{s}" for s in needs.metric_depth]
        + [f"items:{k}" for k in needs.item_depth]
        + (["receivables"] if needs.receivable_depth else [])
        + (["narrative"] if needs.narrative else [])
    )
    many_metric_parts = len(needs.metric_depth) > 1
    many_item_parts = len(needs.item_depth) > 1
    for pk in sorted(rank_of, key=lambda pk: -rank_of[pk]):  # oldest first
        snapshot = by_id[pk]
        # Parts come section by section: put the rows back in the note's order.
        if many_metric_parts:
            snapshot.metrics.sort(key=_line)
        if many_item_parts:
            snapshot.items.sort(key=_line)
        snapshot.loaded = loaded
        histories[snapshot.entity_id].append(snapshot)
    files: tuple[SourceFileData, ...] = ()
    if needs.source_files:
        files = tuple(
            SourceFileData(entity_id, display_path(path), status, _problems(problems), read_at)
            for entity_id, path, status, problems, read_at in SourceFile.objects.filter(
                entity_id__in=ids, status="error"
            )
            .order_by("path")
            .values_list("entity_id", "path", "status", "problems", "read_at")
        )
    return ReportData(scope, tuple(entities), histories, as_of, today, files)


def _line(row: MetricData | ItemData) -> int:
    return row.line


def _problems(problems: list[dict[str, Any]] | None) -> tuple[ProblemData, ...]:
    return tuple(
        ProblemData(p.get("line"), p.get("severity", ""), p.get("message", ""))
        for p in problems or ()
    )


def _parts_fetch(missing: list[PartKey]) -> dict[PartKey, tuple[Any, ...]]:
    """The rows of the parts not cached, one query per kind of row; a part with no rows is
    stored as empty, so that "no risks" is remembered too."""
    if not missing:
        return {}
    grouped: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pk, part in missing:
        kind, _, name = part.partition(":")
        grouped[kind][name].append(pk)
    out: dict[PartKey, Any] = {key: [] for key in missing}
    if grouped["h"]:
        for pk, *header, problems in Snapshot.objects.filter(pk__in=grouped["h"][""]).values_list(
            "id", "period", "period_label", "currency", "source_path", "ingested_at", "problems"
        ):
            header[3] = display_path(header[3])
            out[(pk, "h")] = (*header, _problems(problems))
    if grouped["m"]:
        condition = Q()
        for section, pks in grouped["m"].items():
            condition |= Q(section=section, snapshot_id__in=pks)
        for sid, *fields in (
            Metric.objects.filter(condition)
            .order_by("snapshot_id", "line", "id")
            .values_list(
                "snapshot_id", "section", "name", "value", "unit", "target", "notes", "raw",
                "line",
            )
        ):  # fmt: skip
            out[(sid, f"m:{fields[0]}")].append(MetricData(*fields))
    if grouped["i"]:
        condition = Q()
        for kind, pks in grouped["i"].items():
            condition |= Q(kind=kind, snapshot_id__in=pks)
        for sid, *fields in (
            Item.objects.filter(condition)
            .order_by("snapshot_id", "line", "id")
            .values_list("snapshot_id", "kind", "text", "severity", "resolved", "line")
        ):
            out[(sid, f"i:{fields[0]}")].append(ItemData(*fields))
    if grouped["r"]:
        for sid, *fields in (
            Receivable.objects.filter(snapshot_id__in=grouped["r"][""])
            .order_by("snapshot_id", "line", "id")
            .values_list(
                "snapshot_id", "client", "invoice", "amount", "unit", "due", "status", "line"
            )
        ):
            out[(sid, "r")].append(ReceivableData(*fields))
    if grouped["n"]:
        for sid, parsed in Snapshot.objects.filter(pk__in=grouped["n"][""]).values_list(
            "id", "parsed"
        ):
            for n in (parsed or {}).get("narrative", []):
                row = NarrativeData(n.get("heading", ""), n.get("body", ""), n.get("line", 0))
                out[(sid, "n")].append(row)
    return {key: tuple(rows) if isinstance(rows, list) else rows for key, rows in out.items()}


def report_source_key() -> str:
    """A fingerprint of everything any report can depend on, in one cheap query over whole
    tables: how many snapshots there are and the newest id and ingest time (ids only grow, so
    a snapshot added or removed anywhere changes it), the entities' newest edit (a rename),
    and the failed files' count and newest read.

    Portfolio-wide on purpose: a new note anywhere renders every report afresh once, which is
    a small price (notes arrive a few times a month) for a check that costs a fraction of a
    millisecond, where asking per visible entity cost more than the rest of the page.
    """
    snapshot, entity, source_file = (
        connection.ops.quote_name(m._meta.db_table) for m in (Snapshot, Entity, SourceFile)
    )
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {snapshot}), (SELECT MAX(id) FROM {snapshot}),"
        f" (SELECT MAX(ingested_at) FROM {snapshot}), (SELECT MAX(updated_at) FROM {entity}),"
        f" (SELECT COUNT(*) FROM {source_file}), (SELECT MAX(read_at) FROM {source_file})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return hashlib.sha256("|".join(map(str, row)).encode()).hexdigest()


def visible_entity_ids(*, user: User) -> list[int]:
    """The ids of the entities the user may see, sorted: all a cached report needs to know."""
    return sorted(entities_visible_to(user=user).order_by().values_list("id", flat=True))


def report_run_cached(
    *,
    persona: str,
    scope: str,
    entity_key: str,
    as_of: dt.date | None,
    today: dt.date,
    view: str,
    source_key: str,
) -> ReportRun | None:
    """The stored rendering for exactly this report and these sources, if there is one.

    Plain SQL of a fixed shape, on the index made for it: this runs on every page view, and
    building the same ORM query each time cost more than running it."""
    table = connection.ops.quote_name(ReportRun._meta.db_table)
    as_of_sql = "as_of IS NULL" if as_of is None else "as_of = %s"
    params = [persona, scope, entity_key, source_key, view, today]
    if as_of is not None:
        params.append(as_of)
    found = list(
        ReportRun.objects.raw(
            f"SELECT * FROM {table} WHERE persona = %s AND scope = %s AND entity_key = %s"
            f" AND source_key = %s AND view = %s AND reference_date = %s AND {as_of_sql}"
            " ORDER BY id DESC LIMIT 1",
            params,
        )
    )
    return found[0] if found else None


def report_run_visible_get(*, user: User, pk: int) -> ReportRun:
    """One stored run, only if every entity in it is visible to the user (else DoesNotExist)."""
    run = ReportRun.objects.get(pk=pk)
    visible = set(entities_visible_to(user=user).values_list("id", flat=True))
    if not set(run.entity_ids) <= visible:
        raise ReportRun.DoesNotExist
    return run


def snapshot_visible_get(*, user: User, pk: int) -> Snapshot:
    """A snapshot (to show its note as read), only if its entity is visible to the user."""
    return Snapshot.objects.select_related("entity").get(
        pk=pk, entity__in=entities_visible_to(user=user)
    )


def report_periods(*, entity_ids: Sequence[int]) -> list[tuple[dt.date, str]]:
    """The periods the date selector offers: each (period, label) with a note, newest first."""
    periods = (
        Snapshot.objects.filter(entity_id__in=entity_ids, period__isnull=False)
        .order_by("-period", "period_label")
        .values_list("period", "period_label")
        .distinct()
    )
    return list(periods)
