"""Writes to the portfolio: reading handoff notes into entities and snapshots."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery, Value
from django.utils import timezone

from entities.handoff import (
    ParsedHandoff,
    Problem,
    parse_handoff_bytes,
    read_handoff,
    read_handoff_bytes,
)
from entities.models import (
    Entity,
    Item,
    ItemKind,
    Metric,
    Receivable,
    Snapshot,
    SourceFile,
    SourceFileStatus,
)
from entities.periods import note_stands_from

SnapshotOutcome = Literal["created", "unchanged"] | None

_ITEM_SECTIONS: tuple[tuple[str, str], ...] = (
    ("tech_stack", ItemKind.TECH_STACK),
    ("tech_debt", ItemKind.TECH_DEBT),
    ("risks", ItemKind.RISK),
    ("next_steps", ItemKind.NEXT_STEP),
)

#: A file modified this recently may be modified again within the file system's timestamp
#: granularity with the same size, and its stat would then look unchanged. Its size and mtime
#: are not kept, so the next run hashes it instead (git calls these entries "racy").
_RACY_NS = 2_000_000_000

#: Notes are committed a batch at a time, each note in a savepoint of its own so that a bad
#: one rolls back alone. A commit waits for the disk, and one per note was half of a first
#: ingest's time on PostgreSQL (bench/ingest, 1,000 notes: 0.35x the rate of markdown with a
#: commit per note, 0.6x or more in batches). A batch ends after this many notes or this
#: long, so that it never holds SQLite's write lock for long; a crash loses at most the last
#: batch, which the next run reads again (an ingest is idempotent).
_BATCH_NOTES = 200
_BATCH_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class HandoffNote:
    """A note file found under the paths asked for.

    `path` is as found from those paths (what a user typed, joined with what was found under
    it); `key` is the absolute path on the server, SourceFile's key, never shown; and
    `display_path` is how the note is shown: relative to the folder it was read from, or a
    file given alone by its name.
    """

    path: Path
    key: str
    display_path: str
    folder_key: str | None = None  # the folder it was found in, absolute, with a trailing "/"


@dataclass(frozen=True, slots=True)
class _KnownFile:
    """What the last reading of a note file left: enough to skip it when its bytes are the
    same, and to repeat what was said about it then."""

    pk: int
    size: int | None
    mtime_ns: int | None
    content_hash: str
    status: str
    problems: list[dict[str, Any]]
    slug: str | None
    entity_id: int | None
    stored: bool  # a snapshot with this content exists, or the file was an error: nothing to redo


@dataclass(slots=True)
class FileResult:
    path: str
    parsed: ParsedHandoff
    snapshot: SnapshotOutcome = None
    display_path: str = ""
    #: Not parsed: its bytes were those of the last reading (same size and mtime, or same hash).
    skipped: bool = False
    #: The entities whose sources this reading changed (see entity_sources_touch).
    touched: tuple[int, ...] = ()

    @property
    def status(self) -> str:
        return self.parsed.status

    def to_dict(self, *, path: str | None = None) -> dict[str, Any]:
        """The per-file JSON contract; `path` is the path to name the file by (default: as
        found). A skipped file has no rows: they are its snapshot's, unchanged."""
        if self.skipped:
            data = {
                "entity": self.parsed.slug,
                "status": self.status,
                "problems": [p.to_dict() for p in self.parsed.problems],
            }
        else:
            data = self.parsed.to_dict()
        data["path"] = self.path if path is None else path
        data["display_path"] = self.display_path
        data["snapshot"] = self.snapshot
        data["skipped"] = self.skipped
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
        if result.skipped:
            self.counts["skipped"] += 1
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
            "skipped_unchanged": self.counts["skipped"],
        }

    @property
    def has_errors(self) -> bool:
        return self.counts["error"] > 0

    def to_dict(self, *, path_of: Callable[[FileResult], str] | None = None) -> dict[str, Any]:
        return {
            "files": [f.to_dict(path=path_of(f) if path_of else None) for f in self.files],
            "summary": self.summary,
        }


def handoff_notes(*, paths: Iterable[Path]) -> Iterator[HandoffNote]:
    """Each note to read: files as given, folders searched for `*.md` (hidden files and
    folders skipped, as are links to folders). A path that does not exist is yielded too, so
    that it is reported, not forgotten."""
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            folder = path.resolve()
            # A note's key is its folder's resolved path joined with where it was found:
            # resolving each of 10,000 notes costs a system call per path component, a fifth
            # of the hourly run (bench/ingest). Only a link to a file is resolved itself, so
            # that a note is read once however many ways lead to it.
            notes = [
                HandoffNote(
                    path=path.joinpath(*parts),
                    key=str(Path(folder, *parts).resolve() if link else Path(folder, *parts)),
                    display_path="/".join(parts),
                    folder_key=f"{folder}/",
                )
                for parts, link in _notes_under(folder)
            ]
        else:
            notes = [HandoffNote(path=path, key=str(path.resolve()), display_path=path.name)]
        for note in notes:
            if note.key not in seen:
                seen.add(note.key)
                yield note


def _notes_under(folder: Path) -> list[tuple[tuple[str, ...], bool]]:
    """Each `*.md` file under folder, as (its path's parts relative to folder, whether it is a
    link), sorted. os.scandir's entries know their type without a system call per file,
    which Path.rglob followed by is_file() does not."""
    found: list[tuple[tuple[str, ...], bool]] = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        parts = pending.pop()
        try:
            with os.scandir(os.path.join(folder, *parts)) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((*parts, entry.name))
                    elif entry.name.endswith(".md") and entry.is_file():
                        found.append(((*parts, entry.name), entry.is_symlink()))
        except OSError:
            continue  # an unreadable folder has no notes we could read
    found.sort()
    return found


def _known_files(*, notes: list[HandoffNote]) -> dict[str, _KnownFile]:
    """The last reading of each of these notes, in one query whatever their number.

    Notes found in a folder are asked for by the folder (a prefix, so the query does not grow
    with the notes); the others by their path.
    """
    folders = {n.folder_key for n in notes if n.folder_key and n.key.startswith(n.folder_key)}
    lone = [n.key for n in notes if not (n.folder_key and n.key.startswith(n.folder_key))]
    wanted = Q(path__in=lone)
    for folder in folders:
        wanted |= Q(path__startswith=folder)
    rows = (
        SourceFile.objects.filter(wanted)
        .annotate(
            has_snapshot=Exists(
                Snapshot.objects.filter(
                    entity_id=OuterRef("entity_id"), content_hash=OuterRef("content_hash")
                )
            )
        )
        .values_list(
            "pk", "path", "size", "mtime_ns", "content_hash", "status", "problems",
            "entity__slug", "entity_id", "has_snapshot",
        )
    )  # fmt: skip
    return {
        path: _KnownFile(
            pk=pk,
            size=size,
            mtime_ns=mtime_ns,
            content_hash=content_hash,
            status=status,
            problems=problems,
            slug=slug,
            entity_id=entity_id,
            stored=has_snapshot or status == SourceFileStatus.ERROR,
        )
        for pk, path, size, mtime_ns, content_hash, status, problems, slug, entity_id,
        has_snapshot in rows
    }


def handoff_ingest_file(
    *, note: HandoffNote, known: _KnownFile | None = None, dry_run: bool = False
) -> FileResult:
    """Read one note; unless dry_run, store it as a new snapshot of its entity when it changed.

    1. A file whose size and mtime are those of its last reading is skipped unread; one whose
       bytes hash as they did then is skipped unparsed (its size and mtime are updated). What
       was said of it then is said again.
    2. Otherwise read and parse (never raises: an unreadable file becomes an error problem).
    3. A file with errors makes no snapshot; its problems are kept on its SourceFile row.
    4. Otherwise, in one transaction: find or create the entity, skip if a snapshot with the
       same content hash exists, else write the snapshot with all its rows.
    """
    if dry_run:
        parsed, _text, _raw = read_handoff(note.path, shown_as=note.display_path)
        return FileResult(path=str(note.path), parsed=parsed, display_path=note.display_path)
    # Stat before reading: a change after the stat is then seen by the next run.
    try:
        info: os.stat_result | None = note.path.stat()
    except OSError:
        info = None
    size, mtime_ns = _trusted_stat(info)
    unchanged_stat = size is not None and known and (known.size, known.mtime_ns) == (size, mtime_ns)
    if known and known.stored and unchanged_stat:
        return _skipped(note, known)
    raw, failed = read_handoff_bytes(note.path, shown_as=note.display_path)
    content_hash = hashlib.sha256(raw).hexdigest() if raw is not None else ""
    if known and known.stored and raw is not None and content_hash == known.content_hash:
        with transaction.atomic():
            SourceFile.objects.filter(pk=known.pk).update(size=size, mtime_ns=mtime_ns)
        return _skipped(note, known)
    if failed is not None:
        parsed, text = failed, None
    else:
        parsed, text = parse_handoff_bytes(raw or b"", path=note.display_path)
    result = FileResult(path=str(note.path), parsed=parsed, display_path=note.display_path)
    # What a report says of the entity that had this file may change (its failed files).
    was_of = (known.entity_id,) if known and known.entity_id else ()
    seen = _SeenFile(note=note, content_hash=content_hash, size=size, mtime_ns=mtime_ns)
    if parsed.has_errors or text is None or parsed.slug is None:
        # Kept against its entity when the file name still says which one it is, so the
        # dashboard counts the problem where the owner will look.
        entity = Entity.objects.filter(slug=parsed.slug).first() if parsed.slug else None
        with transaction.atomic():
            _source_file_record(seen=seen, parsed=parsed, entity=entity)
        result.touched = (*was_of, *((entity.pk,) if entity else ()))
        return result
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                entity, snapshot_created = _snapshot_store(parsed=parsed, text=text, seen=seen)
                _source_file_record(seen=seen, parsed=parsed, entity=entity)
            break
        except IntegrityError:
            # Another ingest created the same entity or snapshot between our read and our
            # insert; the whole file rolled back, so reading it again is safe.
            if attempt == 2:
                raise
    result.snapshot = "created" if snapshot_created else "unchanged"
    result.touched = (*was_of, entity.pk)
    return result


@dataclass(frozen=True, slots=True)
class _SeenFile:
    note: HandoffNote
    content_hash: str
    size: int | None
    mtime_ns: int | None


def _trusted_stat(info: os.stat_result | None) -> tuple[int | None, int | None]:
    if info is None or time.time_ns() - info.st_mtime_ns < _RACY_NS:
        return None, None
    return info.st_size, info.st_mtime_ns


def _skipped(note: HandoffNote, known: _KnownFile) -> FileResult:
    problems = [
        Problem(p.get("line"), p.get("severity", "warning"), p.get("message", ""))
        for p in known.problems
    ]
    parsed = ParsedHandoff(path=note.display_path, slug=known.slug, problems=problems)
    snapshot: SnapshotOutcome = None if known.status == SourceFileStatus.ERROR else "unchanged"
    return FileResult(
        path=str(note.path),
        parsed=parsed,
        snapshot=snapshot,
        display_path=note.display_path,
        skipped=True,
    )


def handoffs_ingest(
    *,
    paths: Iterable[Path],
    dry_run: bool = False,
    reread: bool = False,
    keep_files: bool = True,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Read every note under paths, each in a savepoint of its own: a bad file never stops the
    rest nor leaves half a snapshot. Unchanged files are skipped (see handoff_ingest_file)
    unless `reread`. Notes are committed a batch at a time (see _BATCH_NOTES), with one
    update of the entities whose sources the batch changed."""
    report = IngestReport()
    notes = list(handoff_notes(paths=paths))
    known = {} if dry_run or reread else _known_files(notes=notes)
    done = 0
    while done < len(notes):
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            started = time.monotonic()
            touched: set[int] = set()
            for note in notes[done : done + _BATCH_NOTES]:
                done += 1
                result = handoff_ingest_file(note=note, known=known.get(note.key), dry_run=dry_run)
                touched.update(result.touched)
                report.add(result, keep=keep_files)
                if on_file is not None:
                    on_file(result)
                if time.monotonic() - started > _BATCH_SECONDS:
                    break
            entity_sources_touch(entity_ids=touched)
    return report


def entity_sources_touch(*, entity_ids: Iterable[int]) -> None:
    """Say that what a report reads of these entities changed — a note read, failed or
    deleted, a crew event or checklist of theirs changed — by moving their `sources_version`:
    stored reports over them are then rendered again (one UPDATE, none for no entity).

    Every write to those rows calls this, in the write's transaction: the ingest (once per
    batch), the crew services, and the admin (entities.admin.SourcesAdminMixin)."""
    ids = sorted(set(entity_ids))
    if ids:
        Entity.objects.filter(pk__in=ids).update(sources_version=F("sources_version") + 1)


def _snapshot_store(*, parsed: ParsedHandoff, text: str, seen: _SeenFile) -> tuple[Entity, bool]:
    assert parsed.slug is not None
    # Plain queries rather than get_or_create: we are already inside the file's transaction,
    # and its savepoints would double the queries per note (see bench/ingest).
    label = parsed.period_label or ""
    of_entity = Snapshot.objects.filter(entity=OuterRef("pk"))
    stands_from = note_stands_from(period=parsed.period, period_label=label,
                                   ingested_at=timezone.now())  # fmt: skip
    newer = of_entity.filter(stands_from__gt=stands_from)
    # Another file's note for the same period: the same entity's note twice, or two
    # entities under one slug. Named in a warning, so it is seen, not silently merged.
    other_file = (
        of_entity.filter(period=parsed.period, period_label=label)
        .exclude(source_path=seen.note.key)
        .order_by("-ingested_at")
        .values("display_path")[:1]
    )
    entity = (
        Entity.objects.filter(slug=parsed.slug)
        .annotate(
            has_this_note=Exists(of_entity.filter(content_hash=seen.content_hash)),
            has_newer_note=Exists(newer),
            other_file=Subquery(other_file) if parsed.period else Value(None, CharField()),
        )
        .first()
    )
    if entity is None:
        entity = Entity.objects.create(
            slug=parsed.slug,
            name=parsed.name or parsed.title or parsed.slug,
            kind=parsed.kind or "core",
        )
    else:
        # Said again on every reading that parses the file (--reread too), as all problems are.
        _other_file_warn(entity=entity, parsed=parsed)
        if entity.has_this_note:
            return entity, False
        _entity_follow_note(entity=entity, parsed=parsed)
    problems = [p.to_dict() for p in parsed.problems]
    snapshot = Snapshot.objects.create(
        entity=entity,
        source_path=seen.note.key,
        display_path=seen.note.display_path,
        content_hash=seen.content_hash,
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
    Metric.objects.bulk_create(
        Metric(
            snapshot=snapshot, section=m.section, name=m.name, value=m.value, unit=m.unit[:20],
            target=m.target, period=(m.period or "")[:100], notes=m.notes, raw=m.raw[:300],
            line=m.line, better=m.better or "",
        )
        for m in parsed.metrics
    )  # fmt: skip
    Item.objects.bulk_create(
        Item(
            snapshot=snapshot, kind=kind, text=row.text, severity=row.severity or "",
            resolved=row.resolved, line=row.line,
        )
        for attribute, kind in _ITEM_SECTIONS
        for row in getattr(parsed, attribute)
    )  # fmt: skip
    Receivable.objects.bulk_create(
        Receivable(
            snapshot=snapshot, client=r.client[:300], invoice=r.invoice[:100], amount=r.amount,
            unit=r.unit[:20], due=r.due, status=r.status[:100], line=r.line,
        )
        for r in parsed.receivables
    )  # fmt: skip
    return entity, True


def _other_file_warn(*, entity: Entity, parsed: ParsedHandoff) -> None:
    """Warn when another file already gave this entity's note for this period."""
    if entity.other_file is not None:
        problem = Problem(
            parsed.period_line,
            "warning",
            f"{parsed.slug}'s note for {parsed.period_label} was also read from "
            f"{entity.other_file}; this reading replaces it in reports (one note per entity "
            "and period: is one of them another business's, or an old copy?)",
        )
        if problem not in parsed.problems:  # a retried transaction reads it again
            parsed.problems.append(problem)


def _entity_follow_note(*, entity: Entity, parsed: ParsedHandoff) -> None:
    """Before a note of an existing entity is stored: take the name and kind its front matter
    states when it is the entity's newest note (an older month read later does not name it
    back)."""
    if entity.has_newer_note:
        return
    changed = {
        field: value
        for field, value in (("name", parsed.name), ("kind", parsed.kind))
        if value and getattr(entity, field) != value
    }
    if changed:
        Entity.objects.filter(pk=entity.pk).update(**changed)
        for field, value in changed.items():
            setattr(entity, field, value)


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


def _source_file_record(*, seen: _SeenFile, parsed: ParsedHandoff, entity: Entity | None) -> None:
    # One upsert instead of update_or_create's lock, savepoint and insert.
    SourceFile.objects.bulk_create(
        [
            SourceFile(
                path=seen.note.key,
                display_path=seen.note.display_path,
                entity=entity,
                content_hash=seen.content_hash,
                size=seen.size,
                mtime_ns=seen.mtime_ns,
                status=parsed.status,
                problems=[p.to_dict() for p in parsed.problems],
                read_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["path"],
        update_fields=[
            "display_path", "entity", "content_hash", "size", "mtime_ns", "status", "problems",
            "read_at",
        ],
    )  # fmt: skip
