"""Writes to the portfolio: reading handoff notes into entities and snapshots."""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Model, OuterRef
from django.utils import timezone

from entities.handoff import ParsedHandoff, read_handoff
from entities.handoff.types import Problem
from entities.models import Entity, Item, ItemKind, Metric, Receivable, Snapshot, SourceFile

SnapshotOutcome = Literal["created", "unchanged"] | None

_ITEM_SECTIONS: tuple[tuple[str, str], ...] = (
    ("tech_stack", ItemKind.TECH_STACK),
    ("tech_debt", ItemKind.TECH_DEBT),
    ("risks", ItemKind.RISK),
    ("next_steps", ItemKind.NEXT_STEP),
)


@dataclass(slots=True)
class FileResult:
    path: str
    parsed: ParsedHandoff
    snapshot: SnapshotOutcome = None

    @property
    def status(self) -> str:
        return self.parsed.status

    def to_dict(self) -> dict[str, Any]:
        data = self.parsed.to_dict()
        data["path"] = self.path
        data["snapshot"] = self.snapshot
        return data


@dataclass(slots=True)
class IngestReport:
    """Counts of an ingest run, and each file's result when asked to keep them (--json): at
    10,000 notes the parsed results would otherwise be most of the memory used."""

    files: list[FileResult] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, result: FileResult, *, keep: bool) -> None:
        self.counts["files"] += 1
        self.counts[result.status] += 1
        if result.snapshot:
            self.counts[result.snapshot] += 1
        if keep:
            self.files.append(result)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "files": self.counts["files"],
            "ok": self.counts["ok"],
            "warnings": self.counts["warnings"],
            "errors": self.counts["error"],
            "snapshots_created": self.counts["created"],
            "unchanged": self.counts["unchanged"],
        }

    @property
    def has_errors(self) -> bool:
        return self.counts["error"] > 0

    def to_dict(self) -> dict[str, Any]:
        return {"files": [f.to_dict() for f in self.files], "summary": self.summary}


def handoff_paths(*, paths: Iterable[Path]) -> Iterator[Path]:
    """Each note to read: files as given, folders searched for `*.md` (hidden folders skipped).
    A path that does not exist is yielded too, so that it is reported, not forgotten."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*.md")
                if p.is_file() and not _hidden(p.relative_to(path))
            )
        else:
            found = [path]
        for note in found:
            key = note.resolve()
            if key not in seen:
                seen.add(key)
                yield note


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def handoff_ingest_file(*, path: Path, dry_run: bool = False) -> FileResult:
    """Read one note; unless dry_run, store it as a new snapshot of its entity when it changed.

    1. Read and parse (never raises: an unreadable file becomes an error problem).
    2. A file with errors makes no snapshot; its problems are kept on its SourceFile row.
    3. Otherwise, in one transaction: find or create the entity, skip if a snapshot with the
       same content hash exists, else write the snapshot with all its rows.
    """
    parsed, text, raw = read_handoff(path)
    result = FileResult(path=str(path), parsed=parsed)
    if dry_run:
        return result
    content_hash = hashlib.sha256(raw).hexdigest() if raw is not None else ""
    if parsed.has_errors or text is None or parsed.slug is None:
        # Kept against its entity when the file name still says which one it is, so the
        # dashboard counts the problem where the owner will look.
        known = Entity.objects.filter(slug=parsed.slug).first() if parsed.slug else None
        _source_file_record(path=path, parsed=parsed, content_hash=content_hash, entity=known)
        return result
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                entity, snapshot_created = _snapshot_store(
                    parsed=parsed, text=text, content_hash=content_hash, path=path
                )
                _source_file_record(
                    path=path, parsed=parsed, content_hash=content_hash, entity=entity
                )
            break
        except IntegrityError:
            # Another ingest created the same entity or snapshot between our read and our
            # insert; the whole file rolled back, so reading it again is safe.
            if attempt == 2:
                raise
    result.snapshot = "created" if snapshot_created else "unchanged"
    return result


def handoffs_ingest(
    *,
    paths: Iterable[Path],
    dry_run: bool = False,
    keep_files: bool = True,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Read every note under paths, one transaction per file: a bad file never stops the rest."""
    report = IngestReport()
    with contextlib.nullcontext() if dry_run else _relaxed_commit_durability():
        for path in handoff_paths(paths=paths):
            result = handoff_ingest_file(path=path, dry_run=dry_run)
            report.add(result, keep=keep_files)
            if on_file is not None:
                on_file(result)
    return report


def _snapshot_store(
    *, parsed: ParsedHandoff, text: str, content_hash: str, path: Path
) -> tuple[Entity, bool]:
    assert parsed.slug is not None
    # Plain queries rather than get_or_create: we are already inside the file's transaction,
    # and its savepoints would double the queries per note (see bench/ingest).
    entity = (
        Entity.objects.filter(slug=parsed.slug)
        .annotate(
            has_this_note=Exists(
                Snapshot.objects.filter(entity=OuterRef("pk"), content_hash=content_hash)
            )
        )
        .first()
    )
    if entity is None:
        entity = Entity.objects.create(
            slug=parsed.slug,
            name=parsed.name or parsed.title or parsed.slug,
            kind=parsed.kind or "core",
        )
    elif entity.has_this_note:
        return entity, False
    problems = [p.to_dict() for p in parsed.problems]
    snapshot = Snapshot.objects.create(
        entity=entity,
        source_path=str(path.resolve()),
        content_hash=content_hash,
        period=parsed.period,
        period_label=parsed.period_label or "",
        currency=parsed.currency,
        # PostgreSQL rejects NUL in text; read_handoff refuses binary files, this guards the rest.
        raw_text=text.replace("\x00", ""),
        parsed=_parsed_extras(parsed),
        problems=problems,
        warning_count=len(problems),
        ingested_at=timezone.now(),
    )
    _rows_insert(
        Metric,
        ["snapshot", "section", "name", "value", "unit", "target", "period", "notes", "raw",
         "line"],
        [
            (snapshot.pk, m.section, m.name[:300], m.value, m.unit[:20], m.target,
             (m.period or "")[:100], m.notes, m.raw[:300], m.line)
            for m in parsed.metrics
        ],
    )
    _rows_insert(
        Item,
        ["snapshot", "kind", "text", "severity", "resolved", "line"],
        [
            (snapshot.pk, kind, row.text, row.severity or "", row.resolved, row.line)
            for attribute, kind in _ITEM_SECTIONS
            for row in getattr(parsed, attribute)
        ],
    )
    _rows_insert(
        Receivable,
        ["snapshot", "client", "invoice", "amount", "unit", "due", "status", "line"],
        [
            (snapshot.pk, r.client[:300], r.invoice[:100], r.amount, r.unit[:20], r.due,
             r.status[:100], r.line)
            for r in parsed.receivables
        ],
    )
    return entity, True


@contextlib.contextmanager
def _relaxed_commit_durability() -> Iterator[None]:
    """On PostgreSQL, let each file's commit return before its WAL reaches the disk.

    A crash may then lose the last few ingests, never half of one (each file's transaction
    stays atomic), and the next scheduled run reads those notes again: an ingest is
    idempotent. It saves a disk flush per note, most of PostgreSQL's commit time
    (bench/ingest). The session's setting is restored afterwards.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _rows_insert(model: type[Model], fields: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert a snapshot's rows: COPY on PostgreSQL, multi-row INSERTs elsewhere.

    bulk_create spends most of an ingest compiling SQL for each of the ~40 rows a note has
    (bench/ingest: about two thirds of the time per note). These rows are plain values the
    parser already typed, so no per-row compiling is needed; on SQLite decimals and dates still
    go through their fields' own conversion, and batches respect its limit on parameters.
    """
    if not rows:
        return
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    convert = [
        (i, field)
        for i, field in enumerate(model_fields)
        if field.get_internal_type() in ("DecimalField", "DateField")
    ]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(field.column) for field in model_fields)
    if connection.vendor == "postgresql":
        # COPY: one statement whatever the row count, typed by psycopg, no SQL to build.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    one_row = f"({', '.join(['%s'] * len(fields))})"
    batch = max(1, connection.ops.bulk_batch_size(model_fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            params: list[Any] = []
            for row in chunk:
                values = list(row)
                for i, field in convert:
                    values[i] = field.get_db_prep_save(values[i], connection)
                params.extend(values)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one_row] * len(chunk)),
                params,
            )


def _parsed_extras(parsed: ParsedHandoff) -> dict[str, Any]:
    """What the snapshot keeps of the parse beyond its rows: front matter and narrative."""
    return {
        "name": parsed.name,
        "kind": parsed.kind,
        "owner": parsed.owner,
        "updated": parsed.updated.isoformat() if parsed.updated else None,
        "title": parsed.title,
        "narrative": [
            {"heading": n.heading, "body": n.body, "line": n.line} for n in parsed.narrative
        ],
    }


def _source_file_record(
    *, path: Path, parsed: ParsedHandoff, content_hash: str, entity: Entity | None
) -> None:
    problems: list[Problem] = parsed.problems
    # One upsert instead of update_or_create's lock, savepoint and insert.
    SourceFile.objects.bulk_create(
        [
            SourceFile(
                path=str(path.resolve()),
                entity=entity,
                content_hash=content_hash,
                status=parsed.status,
                problems=[p.to_dict() for p in problems],
                read_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["path"],
        update_fields=["entity", "content_hash", "status", "problems", "read_at"],
    )
