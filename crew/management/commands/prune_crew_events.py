"""python manage.py prune_crew_events [--days 180] [--dry-run]"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from crew.services import events_prune


class Command(BaseCommand):
    help = "Delete crew events that ended more than --days ago, with their checklists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=180)
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        before = timezone.now() - dt.timedelta(days=options["days"])
        count = events_prune(ended_before=before, dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(f"prune_crew_events: {verb} {count} events that ended before "
                          f"{before:%Y-%m-%d}")  # fmt: skip
