"""`send_reports --persona {ceo,cto,cfo,cmo,cao,all} [--entity SLUG] [--to EMAIL] [--dry-run]`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from entities.models import Entity
from reports.models import Recipient
from reports.registry import REGISTRY
from reports.sending import recipients_group, scope_label
from reports.tasks import send_report_to_address, send_report_to_recipients


class Command(BaseCommand):
    help = (
        "Queue persona report emails through the delivery ledger and return; a running worker "
        "renders and sends them. Without --to, to the persona's recipients; with --to, one "
        "email per persona to that address (the portfolio, or --entity)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--persona", required=True, choices=[*REGISTRY, "all"])
        parser.add_argument("--entity", metavar="SLUG", help="one entity instead of the portfolio")
        parser.add_argument("--to", metavar="EMAIL", help="send to this address instead")
        parser.add_argument("--dry-run", action="store_true", help="show who would get what")

    def handle(self, *args: Any, persona: str, entity: str | None, to: str | None,
               dry_run: bool, **options: Any) -> None:  # fmt: skip
        personas = list(REGISTRY) if persona == "all" else [persona]
        day = timezone.localdate().isoformat()
        try:
            if entity and not Entity.objects.filter(slug=entity).exists():
                raise CommandError(f"no entity with the slug {entity!r}")
            if to:
                self._to_address(personas, to, entity, day, dry_run)
            else:
                self._to_recipients(personas, entity, day, dry_run)
        except OperationalError as exc:
            raise CommandError(f"the database did not answer: {exc}".strip()) from exc
        except KombuOperationalError as exc:  # queueing needs the broker
            raise CommandError(f"the Celery broker did not answer: {exc}".strip()) from exc

    def _to_address(self, personas: list[str], to: str, entity: str | None, day: str,
                    dry_run: bool) -> None:  # fmt: skip
        try:
            validate_email(to)
        except ValidationError:
            raise CommandError(f"{to!r} is not an email address") from None
        for persona in personas:
            self.stdout.write(f"{persona} report · {entity or 'portfolio'} → {to}")
            if not dry_run:
                send_report_to_address.delay_on_commit(persona, to, entity, day)
        verb = "would queue" if dry_run else "queued"
        self.stdout.write(f"send_reports: {verb} {len(personas)} email(s) to {to}")

    def _to_recipients(self, personas: list[str], entity: str | None, day: str,
                       dry_run: bool) -> None:  # fmt: skip
        recipients = Recipient.objects.filter(
            persona__in=personas, active=True, unsubscribed_at=None
        ).select_related("entity", "user")
        if entity:
            recipients = recipients.filter(entity__slug=entity)
        count = tasks = 0
        for persona in personas:
            mine = [r for r in recipients if r.persona == persona]
            for group in recipients_group(mine):
                for recipient in group:
                    bound = f" (as user {recipient.user})" if recipient.user else ""
                    scope = scope_label(recipient=recipient)
                    self.stdout.write(f"{persona} report · {scope} → {recipient.email}{bound}")
                if not dry_run:
                    send_report_to_recipients.delay_on_commit(persona, [r.pk for r in group], day)
                count += len(group)
                tasks += 1
        verb = "would queue" if dry_run else "queued"
        self.stdout.write(f"send_reports: {verb} {count} email(s) in {tasks} render task(s)")
        if not count:
            self.stderr.write("No active recipient for that; add one in the admin, or use --to.")
