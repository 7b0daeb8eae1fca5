"""Delivery's reads, for the admin, the outbox and the callers (reports, crew)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.db.models import Count, QuerySet

from delivery.models import Delivery, DeliveryStatus, SesAccount

# What the outbox lists: messages that left (SES accepted them, or the file backend wrote them).
SENT_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.BOUNCED, DeliveryStatus.COMPLAINED)


def deliveries_for_keys(*, keys: Iterable[str]) -> dict[str, Delivery]:
    """The deliveries of these keys, by key (one query); a key never queued is absent."""
    return {d.key: d for d in Delivery.objects.filter(key__in=list(keys))}


def delivery_summary(
    *, keys: Iterable[str] | None = None, queryset: QuerySet[Delivery] | None = None
) -> dict[str, int]:
    """Counts per status (every status present, zeros included) of the given keys or queryset,
    in one query."""
    rows = queryset if queryset is not None else Delivery.objects.all()
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    counts = dict(
        rows.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in DeliveryStatus.values}


def outbox_list() -> QuerySet[Delivery]:
    """What was sent, newest first."""
    return Delivery.objects.filter(status__in=SENT_STATUSES).order_by("-sent_at", "-id")


def ses_account_current() -> SesAccount | None:
    """The SES facts check_ses read last, if ever."""
    return SesAccount.objects.first()


@dataclass(frozen=True)
class SesAccountReport:
    lines: list[str]
    problems: int


def ses_account_report(*, account: SesAccount, addresses: Iterable[str] = ()) -> SesAccountReport:
    """check_ses's findings as plain lines, for the command and the admin page."""
    problems = 0
    mode = (
        "yes: only verified addresses and domains can receive"
        if account.sandbox
        else "no: production access"
    )
    lines = [
        f"SES account in {account.region} (read {account.checked_at:%Y-%m-%d %H:%M:%S} UTC "
        f"through {account.source})",
        f"  sandbox: {mode}",
        f"  quota: {account.sent_last_24_hours:g} of {account.max_24_hour_send:g} sent in the "
        f"last 24 hours; max send rate {account.max_send_rate:g}/s",
    ]
    if account.sending_enabled is False:
        problems += 1
        lines.append("  sending is PAUSED for this account")
    rate = settings.SES_MAX_SEND_RATE
    if account.max_send_rate and rate > account.max_send_rate:
        problems += 1
        lines.append(
            f"  SES_MAX_SEND_RATE={rate:g} is above the account's {account.max_send_rate:g}/s: "
            "SES will throttle"
        )
    else:
        lines.append(f"  SES_MAX_SEND_RATE={rate:g}/s is within it")
    sender = parseaddr(settings.SES_FROM_ADDRESS)[1].lower()
    # A sender needs a verified identity in and out of the sandbox.
    sender_ok = sender in account.verified_identities or (
        sender.rpartition("@")[2] in account.verified_identities
    )
    problems += not sender_ok
    lines.append(
        f"  sender {sender} (SES_FROM_ADDRESS): "
        + ("verified" if sender_ok else "NOT verified: SES refuses to send from it")
    )
    for address in addresses:
        address = address.strip()
        ok = account.can_receive(address)
        problems += not ok
        lines.append(
            f"  {address}: "
            + (
                "can receive" + (" (verified)" if account.sandbox else "")
                if ok
                else "NOT verified: SES refuses to send to it while in the sandbox"
            )
        )
    return SesAccountReport(lines=lines, problems=problems)
