"""`sync_recipients [--dry-run]`: keep the recipients seeded from REPORT_RECIPIENTS in step."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reports.sending import recipients_sync


class Command(BaseCommand):
    help = (
        "Create or reactivate the recipients named in REPORT_RECIPIENTS (`email` gets all five "
        "persona reports for the portfolio, `persona:email` that persona's), and deactivate "
        "seeded ones no longer named. Recipients made in the admin are left alone."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="say what would change")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        with transaction.atomic():
            result = recipients_sync(entries=settings.REPORT_RECIPIENTS)
            if dry_run:
                transaction.set_rollback(True)
        for problem in result.problems:
            self.stderr.write(f"REPORT_RECIPIENTS: {problem}")
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"sync_recipients: {verb} {result.created}, kept {result.kept}, "
            f"deactivated {result.deactivated}"
        )
        if result.problems and not (result.created or result.kept):
            raise CommandError("no entry of REPORT_RECIPIENTS could be read")
