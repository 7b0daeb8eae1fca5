"""python manage.py check_ses [EMAIL ...]: what SES says about the account, before sending."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from delivery.selectors import ses_account_report
from delivery.services import ses_account_check
from delivery.ses import SesUnavailable


class Command(BaseCommand):
    help = (
        "Read the SES account: sandbox or not, quota and send rate, and whether SES_FROM_ADDRESS "
        "and the given addresses are verified identities. Stores the facts for delivery."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addresses", nargs="*", metavar="EMAIL", help="addresses to check")

    def handle(self, *args: Any, addresses: list[str], **options: Any) -> None:
        try:
            account = ses_account_check()
        except SesUnavailable as exc:
            raise CommandError(
                f"{exc}\nCheck AWS_REGION, the AWS credentials and AWS_SES_REGION_ENDPOINT_URL."
            ) from None
        report = ses_account_report(account=account, addresses=addresses)
        for line in report.lines:
            self.stdout.write(line)
        if settings.EMAIL_BACKEND != "django_ses.SESBackend":
            self.stdout.write(
                f"Note: EMAIL_BACKEND is {settings.EMAIL_BACKEND}, so nothing is sent through SES "
                "now."
            )
        if report.problems:
            self.stdout.write(self.style.WARNING(f"{report.problems} problem(s) found."))
        else:
            self.stdout.write(self.style.SUCCESS("SES is ready to send."))
