"""Reads for the reports: which entities a report covers, the snapshot rows its builder needs,
the key that says whether a stored rendering is still current, and stored report runs.

Tenancy: every entity set starts from `entities.selectors.entities_visible_to`. Snapshot rows
are then read by those entities' ids only, so nothing here can reach an entity the viewer may
not see.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, QuerySet

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
logger = logging.getLogger(__name__)
_LINE = attrgetter("line")  # a row's line in its note


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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while tens of thousands of rows are made: they are
    tuples of plain values, in no cycle, but making them sets off collection after collection
    over the whole heap, which cost as much as reading them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_collector_paused()
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
    depth = needs.depth
    for pk, entity_id in order.values_list("id", "entity_id"):
        if seen[entity_id] < depth:
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
    if missing:
        logger.debug("report rows: %d parts from the database, %d from memory",
                     len(missing), len(found))  # fmt: skip
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
            snapshot.metrics.sort(key=_LINE)
        if many_item_parts:
            snapshot.items.sort(key=_LINE)
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
        fields = ("period", "period_label", "currency", "source_path", "ingested_at", "problems")
        pks, *header, problems = _rows(Snapshot, "id", fields, None, grouped["h"])
        header[3] = [display_path(path) for path in header[3]]
        header.append([_problems(p) for p in problems])
        for pk, row in zip(pks, zip(*header, strict=True), strict=True):
            out[(pk, "h")] = row
    if grouped["m"]:
        fields = ("section", "name", "value", "unit", "target", "notes", "raw", "line")
        keys = {s: f"m:{s}" for s in grouped["m"]}
        sids, *columns = _rows(Metric, "snapshot", fields, "section", grouped["m"])
        rows = starmap(MetricData, zip(*columns, strict=True))
        for sid, section, row in zip(sids, columns[0], rows, strict=True):
            out[(sid, keys[section])].append(row)
    if grouped["i"]:
        fields = ("kind", "text", "severity", "resolved", "line")
        keys = {k: f"i:{k}" for k in grouped["i"]}
        sids, *columns = _rows(Item, "snapshot", fields, "kind", grouped["i"])
        rows = starmap(ItemData, zip(*columns, strict=True))
        for sid, kind, row in zip(sids, columns[0], rows, strict=True):
            out[(sid, keys[kind])].append(row)
    if grouped["r"]:
        fields = ("client", "invoice", "amount", "unit", "due", "status", "line")
        sids, *columns = _rows(Receivable, "snapshot", fields, None, grouped["r"])
        rows = starmap(ReceivableData, zip(*columns, strict=True))
        for sid, row in zip(sids, rows, strict=True):
            out[(sid, "r")].append(row)
    if grouped["n"]:
        for sid, parsed in Snapshot.objects.filter(pk__in=grouped["n"][""]).values_list(
            "id", "parsed"
        ):
            for n in (parsed or {}).get("narrative", []):
                row = NarrativeData(n.get("heading", ""), n.get("body", ""), n.get("line", 0))
                out[(sid, "n")].append(row)
    return {key: tuple(rows) if isinstance(rows, list) else rows for key, rows in out.items()}


def _rows(
    model: type[Snapshot | Metric | Item | Receivable],
    key: str,
    fields: tuple[str, ...],
    kind_field: str | None,
    pks_by_kind: dict[str, list[int]],
) -> list[Sequence[Any]]:
    """The columns key, *fields of the rows whose key (a snapshot id) is asked for, ordered by
    key, line and id for a snapshot's child rows: the values of `values_list`, with the same
    conversions (decimals, dates, booleans, JSON), read without the ORM's per-row and
    per-parameter work, which cost more than the query itself at tens of thousands of rows.
    Kinds wanted for the same snapshots are asked for with one IN list."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.get_field(name) for name in (key, *fields)]
    select = ", ".join(connection.ops.quote_name(c.column) for c in columns)
    sid = connection.ops.quote_name(columns[0].column)
    conditions: list[str] = []
    params: list[Any] = []
    # Group kinds that share one list of snapshots (a persona reads sections to one depth).
    by_pks: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for kind, pks in pks_by_kind.items():
        by_pks[tuple(pks)].append(kind)
    for pks, kinds in by_pks.items():
        ids, id_params = _in_list(pks)
        if kind_field is None:
            conditions.append(f"{sid} {ids}")
        else:
            column = connection.ops.quote_name(model._meta.get_field(kind_field).column)
            names = ", ".join(["%s"] * len(kinds))
            conditions.append(f"({column} IN ({names}) AND {sid} {ids})")
            params += kinds
        params += id_params
    sql = f"SELECT {select} FROM {table} WHERE {' OR '.join(conditions)}"
    if model is not Snapshot:
        line, pk = connection.ops.quote_name("line"), connection.ops.quote_name("id")
        sql += f" ORDER BY {sid}, {line}, {pk}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return [() for _ in columns]
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for position, field in enumerate(columns):
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            values[position] = _converted(values[position], found, col)
    return values


def _in_list(pks: Sequence[int]) -> tuple[str, list[Any]]:
    """`IN (...)` for a list of ids, as SQL and its parameters. On PostgreSQL one array
    parameter: the driver parses every placeholder of the query text, which for a thousand
    ids cost more than the server took to run it."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(pks)]
    return f"IN ({', '.join(['%s'] * len(pks))})", list(pks)


def _converted(column: Sequence[Any], converters: list[Any], col: Any) -> list[Any]:
    """A column's values through the ORM's converters. Each distinct value is converted once
    (targets, units and dates repeat across a history), except JSON, which makes mutable
    values."""

    def convert(value: Any) -> Any:
        if value is not None:
            for converter in converters:
                value = converter(value, col, connection)
        return value

    if col.output_field.get_internal_type() == "JSONField":
        return [convert(value) for value in column]
    # Zero apart: 0.0 and -0.0 are one key but two decimals.
    table = {value: convert(value) for value in set(column) if value != 0}
    return [table[value] if value != 0 else convert(value) for value in column]


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
