"""Writes to the portfolio: reading handoff notes into entities and snapshots."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

from entities.handoff import ItemRow, ParsedHandoff, read_handoff
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
    try:
        with transaction.atomic():
            entity, snapshot_created = _snapshot_store(
                parsed=parsed, text=text, content_hash=content_hash, path=path
            )
            _source_file_record(
                path=path, parsed=parsed, content_hash=content_hash, entity=entity
            )
    except IntegrityError:
        # Another ingest stored the same content between our check and our insert.
        result.snapshot = "unchanged"
        return result
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
    entity, _ = Entity.objects.get_or_create(
        slug=parsed.slug,
        defaults={
            "name": parsed.name or parsed.title or parsed.slug,
            "kind": parsed.kind or "core",
        },
    )
    if Snapshot.objects.filter(entity=entity, content_hash=content_hash).exists():
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
    Metric.objects.bulk_create(
        Metric(
            snapshot=snapshot,
            section=m.section,
            name=m.name[:300],
            value=m.value,
            unit=m.unit[:20],
            target=m.target,
            period=(m.period or "")[:100],
            notes=m.notes,
            raw=m.raw[:300],
            line=m.line,
        )
        for m in parsed.metrics
    )
    Item.objects.bulk_create(
        _item(snapshot, kind, row)
        for attribute, kind in _ITEM_SECTIONS
        for row in getattr(parsed, attribute)
    )
    Receivable.objects.bulk_create(
        Receivable(
            snapshot=snapshot,
            client=r.client[:300],
            invoice=r.invoice[:100],
            amount=r.amount,
            unit=r.unit[:20],
            due=r.due,
            status=r.status[:100],
            line=r.line,
        )
        for r in parsed.receivables
    )
    return entity, True


def _item(snapshot: Snapshot, kind: str, row: ItemRow) -> Item:
    return Item(
        snapshot=snapshot,
        kind=kind,
        text=row.text,
        severity=row.severity or "",
        resolved=row.resolved,
        line=row.line,
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
    SourceFile.objects.update_or_create(
        path=str(path.resolve()),
        defaults={
            "entity": entity,
            "content_hash": content_hash,
            "status": parsed.status,
            "problems": [p.to_dict() for p in problems],
            "read_at": timezone.now(),
        },
    )
