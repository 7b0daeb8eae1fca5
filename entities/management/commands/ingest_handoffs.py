"""`ingest_handoffs [PATH ...] [--dry-run] [--reread] [--json]`: read notes into snapshots."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from entities.services import FileResult, IngestReport, handoff_notes, handoffs_ingest

PROGRESS_FROM = 20  # files; fewer finish before a bar would help


class Command(BaseCommand):
    help = (
        "Read handoff notes (files, or folders searched for *.md) into entity snapshots. "
        "Exit 1 when any file had errors; warnings alone do not fail."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="default: HANDOFF_DIR")
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and report; write nothing"
        )
        parser.add_argument(
            "--reread",
            action="store_true",
            help="parse every file, even those whose bytes are unchanged since the last run",
        )
        parser.add_argument(
            "--json", action="store_true", help="print one JSON document on stdout, nothing else"
        )

    def handle(
        self,
        *args: Any,
        paths: list[Path],
        dry_run: bool,
        reread: bool,
        json: bool,
        **opts: Any,
    ) -> None:
        # A path the user typed is theirs to see again; HANDOFF_DIR's are the server's, so
        # its notes are named relative to it.
        self.shown = _as_found if paths else _relative
        paths = paths or list(settings.HANDOFF_DIRS)
        total = sum(1 for _ in handoff_notes(paths=paths))
        bar = _ProgressBar(total) if total >= PROGRESS_FROM and sys.stderr.isatty() else None

        def on_file(result: FileResult) -> None:
            if bar:
                bar.step()
            if not json:
                self._print_problems(result)

        try:
            report = handoffs_ingest(
                paths=paths, dry_run=dry_run, reread=reread, keep_files=json, on_file=on_file
            )
        except OperationalError as exc:
            # Batches already committed are stored (the next run reads the rest); say what
            # stopped it.
            raise CommandError(f"the database did not answer: {exc}".strip()) from exc
        if bar:
            bar.close()
        if json:
            self.stdout.write(_json_dumps(report.to_dict(path_of=self.shown)))
        else:
            self.stdout.write(self._summary_line(report, dry_run=dry_run))
        if report.has_errors:
            sys.exit(1)

    def _print_problems(self, result: FileResult) -> None:
        path = self.shown(result)
        for problem in result.parsed.problems:
            where = f"{path}:{problem.line}" if problem.line else path
            style = self.style.ERROR if problem.severity == "error" else self.style.WARNING
            self.stderr.write(f"{where}: {problem.severity}: {problem.message}", style_func=style)

    def _summary_line(self, report: IngestReport, *, dry_run: bool) -> str:
        s = report.summary
        line = (
            f"{s['files']} files: {s['ok']} ok, {s['warnings']} with warnings, "
            f"{s['errors']} with errors"
        )
        if dry_run:
            return f"{line} (dry run: nothing written)."
        return (
            f"{line}; {s['snapshots_created']} snapshots created, {s['unchanged']} unchanged, "
            f"{s['skipped_unchanged']} skipped (bytes unchanged since the last run)."
        )


def _as_found(result: FileResult) -> str:
    return result.path


def _relative(result: FileResult) -> str:
    return result.display_path


def _json_dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


class _ProgressBar:
    """A one-line bar on stderr; only drawn on a terminal."""

    def __init__(self, total: int, width: int = 30) -> None:
        self.total, self.width, self.done = total, width, 0

    def step(self) -> None:
        self.done += 1
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        sys.stderr.write(f"\r[{bar}] {self.done}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
