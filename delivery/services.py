"""Delivery's writes: queue a message, send it exactly once, sweep, prune, and record SES's word.

Exactly once, as far as SES allows:
1. A Delivery is unique on its caller's key; queueing twice finds the first row.
2. The send task is queued only after the row is committed, and acks late.
3. A worker claims the row (one conditional UPDATE, queued → sending) before calling SES; only the
   process whose UPDATE changed a row sends.
4. SES has no idempotency key: a row left `sending` with no message id may or may not have been
   sent, so it becomes `uncertain` and is never resent on its own.
"""

from __future__ import annotations

import itertools
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from delivery import limiter
from delivery.models import (
    FINAL_STATUSES,
    Delivery,
    DeliveryStatus,
    SesAccount,
    SesEvent,
    Suppression,
    SuppressionReason,
)
from delivery.ses import (
    SendErrorKind,
    SesAccountFacts,
    SesUnavailable,
    send_error_kind,
    send_error_text,
    ses_account_read,
    ses_backend,
)

logger = logging.getLogger(__name__)

SES_BACKEND = "django_ses.SESBackend"
MAX_RECIPIENTS = 50  # SES's limit per message, To and BCC together
# Headers the message sets from its own fields; a caller's copy would contradict them.
RESERVED_HEADERS = frozenset({"from", "to", "cc", "bcc", "subject", "reply-to", "content-type"})


class DeliveryInputError(ValueError):
    """A message that cannot be queued as given; the text says what is wrong."""


def _uses_ses() -> bool:
    return settings.EMAIL_BACKEND == SES_BACKEND


def _check_text(name: str, value: str, *, max_length: int | None = None) -> None:
    if "\x00" in value:
        raise DeliveryInputError(f"{name} contains a NUL character.")
    if max_length is not None and len(value) > max_length:
        raise DeliveryInputError(f"{name} is longer than {max_length} characters.")


def _check_address(name: str, value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise DeliveryInputError(f"{name} {value!r} is not an email address.") from None
    return value


def message_build(delivery: Delivery) -> EmailMultiAlternatives:
    """A fresh message from the ledger row, exactly as stored (django-ses writes the SES message id
    into the message's headers, so every attempt gets a new one)."""
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        from_email=delivery.from_email,
        to=[delivery.to],
        bcc=list(delivery.bcc),
        headers=dict(delivery.headers),
        reply_to=[delivery.reply_to] if delivery.reply_to else None,
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    return message


def _refusal(*, to: str, bcc: Sequence[str]) -> tuple[str, str] | None:
    """Why this message must not be sent at all, as (status, reason), or None."""
    addresses = [to, *bcc]
    suppressed = (
        Suppression.objects.filter(address__in=[a.lower() for a in addresses])
        .values_list("address", "reason")
        .first()
    )
    if suppressed and suppressed[0] == to.lower():
        return DeliveryStatus.SUPPRESSED, f"{to} is suppressed after a {suppressed[1]}."
    if suppressed:
        return DeliveryStatus.SUPPRESSED, (
            f"The BCC address {suppressed[0]} is suppressed after a {suppressed[1]}."
        )
    if not _uses_ses():
        return None
    account = SesAccount.objects.first() or _ses_account_try_check()
    if account is None:
        return None  # SES did not answer: the send itself will tell
    for address in addresses:
        if not account.can_receive(address):
            return DeliveryStatus.FAILED, (
                f"SES is in the sandbox and {address} is not a verified identity, so SES would "
                f"refuse it (facts read {account.checked_at:%Y-%m-%d %H:%M} UTC; verify the "
                "address in SES or request production access, then run check_ses)."
            )
    return None


def _ses_account_try_check() -> SesAccount | None:
    try:
        return ses_account_check()
    except SesUnavailable as exc:
        logger.warning("delivery: could not read the SES account before queueing: %s", exc)
        return None


def delivery_queue(
    *,
    key: str,
    kind: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    bcc: Sequence[str] = (),
    reply_to: str = "",
) -> tuple[Delivery, bool]:
    """Queue one message to one address, once per key: answers (delivery, created). When the key
    exists nothing new is queued. A suppressed address, or one SES cannot send to from its
    sandbox, is refused at once (status and last_error say why). Works inside a caller's
    transaction: the send task is queued when it commits."""
    if not key.strip():
        raise DeliveryInputError("key is empty.")
    if not kind.strip():
        raise DeliveryInputError("kind is empty.")
    for name, value, limit in (
        ("key", key, 255),
        ("kind", kind, 64),
        ("subject", subject, 998),
        ("body_text", body_text, None),
        ("body_html", body_html, None),
    ):
        _check_text(name, value, max_length=limit)
    to = _check_address("to", to)
    bcc = [_check_address("bcc", address) for address in bcc]
    reply_to = _check_address("reply_to", reply_to) if reply_to else ""
    if 1 + len(bcc) > MAX_RECIPIENTS:
        raise DeliveryInputError(f"SES takes at most {MAX_RECIPIENTS} recipients a message.")
    headers = dict(headers or {})
    for name, value in headers.items():
        _check_text(f"header {name}", f"{name}{value}")
        if name.lower() in RESERVED_HEADERS:
            raise DeliveryInputError(f"header {name} is set from the message's own fields.")
    if not body_text.strip() and not body_html.strip():
        raise DeliveryInputError("the message has no body.")

    existing = Delivery.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    delivery = Delivery(
        key=key,
        kind=kind,
        to=to,
        from_email=settings.SES_FROM_ADDRESS,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        headers=headers,
        bcc=bcc,
        reply_to=reply_to,
    )
    try:
        # Builds the MIME message as it will be sent: a header Django refuses fails here, not
        # in the worker.
        message_build(delivery).message()
    except ValueError as exc:  # BadHeaderError is a ValueError
        raise DeliveryInputError(f"the message cannot be built: {exc}") from exc
    refusal = _refusal(to=to, bcc=bcc)
    if refusal:
        delivery.status, delivery.last_error = refusal
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            key=key, defaults={f.attname: getattr(delivery, f.attname) for f in _copied_fields()}
        )
        if created and delivery.status == DeliveryStatus.QUEUED:
            _enqueue(delivery.pk)
    if created:
        log = logger.warning if refusal else logger.info
        log(
            "delivery %s %s: key=%s kind=%s to=%s%s",
            delivery.pk,
            delivery.status,
            key,
            kind,
            to,
            f" ({delivery.last_error})" if refusal else "",
        )
    return delivery, created


def _copied_fields() -> list[Any]:
    return [f for f in Delivery._meta.concrete_fields if not f.primary_key and f.name != "key"]


def _enqueue(delivery_id: int) -> None:
    from delivery.tasks import send_delivery  # tasks import services

    send_delivery.apply_async_on_commit(args=[delivery_id], queue=settings.DELIVERY_QUEUE)


@dataclass(frozen=True)
class SendOutcome:
    status: str
    retry_in: float | None = None  # seconds, when the task should try again


def _backoff(attempt: int) -> float:
    # Exponential with full jitter: retries spread out instead of returning together.
    ceiling = min(
        settings.DELIVERY_RETRY_BACKOFF_MAX_SECONDS,
        settings.DELIVERY_RETRY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0),
    )
    return random.uniform(ceiling / 2, ceiling)


def delivery_send(*, delivery_id: int) -> SendOutcome:
    """Send one queued delivery, if this process wins its claim.

    1. Skip a row that is gone or no longer queued (a second copy of the task).
    2. Build the message, then claim: UPDATE … SET status=sending WHERE status=queued. No row
       changed: someone else has it.
    3. Wait for a slot of the shared send rate. (A worker killed while it waits leaves the row
       sending: uncertain, though not sent. The wait is short — at most about one slot per
       worker — and it is the price of sends reaching SES spaced as the slots are.)
    4. Hand it to the email backend once. Success stores SES's message id; an error SES answered
       fails it, or, when passing, puts it back in the queue for a retry after a backoff; an
       error that may have come after SES accepted it makes it uncertain.
    """
    clock = [time.perf_counter()]  # where the time goes, logged with the send
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        return SendOutcome(status=delivery.status if delivery else "missing")
    message = message_build(delivery)
    clock.append(time.perf_counter())
    claimed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return SendOutcome(status="claimed elsewhere")
    clock.append(time.perf_counter())
    attempt = delivery.attempts + 1
    try:
        # After the claim, so that nothing slow (a database write) stands between the slot and
        # the call to SES: sends reach SES spaced as the slots are.
        limiter.wait_for_send_slot(
            url=settings.DELIVERY_RATE_LIMIT_URL, rate=settings.SES_MAX_SEND_RATE
        )
    except Exception as exc:  # the limiter's store is down: nothing was sent
        return _retry_later(
            delivery, error=f"send rate limiter unavailable: {exc}", claimed=True, attempt=attempt
        )
    clock.append(time.perf_counter())
    called_at = time.time()
    try:
        _email_backend().send_messages([message])
    except BaseException as exc:
        kind = send_error_kind(exc)
        text = send_error_text(exc)
        if kind is SendErrorKind.PASSING:
            outcome = _retry_later(delivery, error=text, claimed=True, attempt=attempt)
        elif kind is SendErrorKind.PERMANENT:
            outcome = _finish(delivery, DeliveryStatus.FAILED, error=text)
        else:
            outcome = _finish(
                delivery,
                DeliveryStatus.UNCERTAIN,
                error=f"The send was interrupted; SES may have sent it ({text}).",
            )
        if not isinstance(exc, Exception):
            raise  # the worker's time limit or shutdown: the row says what is known
        return outcome
    clock.append(time.perf_counter())
    message_id = str(message.extra_headers.get("message_id", ""))
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, ses_message_id=message_id, sent_at=timezone.now(),
        last_error="",
    )
    clock.append(time.perf_counter())
    ms = [round((b - a) * 1000, 1) for a, b in itertools.pairwise(clock)]
    logger.info(
        "delivery %s sent: key=%s to=%s attempt=%s ses_message_id=%s "
        "(ms: load %s, claim %s, wait %s, ses %s, record %s; called at %.3f)",
        delivery.pk, delivery.key, delivery.to, attempt, message_id or "-", *ms, called_at,
    )
    return SendOutcome(status=DeliveryStatus.SENT)


def _email_backend() -> Any:
    # SES: this process's open client (a new one costs more than the send). Any other backend
    # (the demo's files, the tests' memory) as Django makes it.
    return ses_backend() if _uses_ses() else get_connection(fail_silently=False)


def _retry_later(
    delivery: Delivery, *, error: str, claimed: bool, attempt: int | None = None
) -> SendOutcome:
    attempt = attempt if attempt is not None else delivery.attempts
    if attempt >= settings.DELIVERY_MAX_ATTEMPTS:
        return _finish(
            delivery, DeliveryStatus.FAILED, error=f"gave up after {attempt} attempts: {error}"
        )
    wait = _backoff(max(attempt, 1))
    rows = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING if claimed else DeliveryStatus.QUEUED
    )
    rows.update(
        status=DeliveryStatus.QUEUED,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        last_error=error,
    )
    logger.warning(
        "delivery %s retry in %.1fs: key=%s to=%s attempt=%s: %s",
        delivery.pk, wait, delivery.key, delivery.to, attempt, error,
    )
    return SendOutcome(status=DeliveryStatus.QUEUED, retry_in=wait)


def _finish(delivery: Delivery, status: str, *, error: str) -> SendOutcome:
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status, last_error=error
    )
    logger.warning(
        "delivery %s %s: key=%s to=%s: %s", delivery.pk, status, delivery.key, delivery.to, error
    )
    return SendOutcome(status=status)


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    uncertain: int


def deliveries_sweep(*, now: datetime | None = None, batch: int = 1000) -> SweepResult:
    """The ledger, not the broker, says what is still to send.

    1. Rows left queued past DELIVERY_SWEEP_AFTER_SECONDS (a lost broker message, a worker killed
       with SIGKILL) get a new task; their time moves on, so the next sweep leaves them alone for
       a while. A second copy of a task is harmless: the claim lets only one send.
    2. Rows `sending` with no message id, claimed longer ago than a send's hard time limit, were
       interrupted mid-send: they become uncertain.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.DELIVERY_SWEEP_AFTER_SECONDS)
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lt=stale)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    if ids:
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
            next_attempt_at=now
        )
        for delivery_id in ids:
            _enqueue(delivery_id)
        logger.warning("delivery sweep: queued again %s deliveries left queued", len(ids))
    interrupted = now - timedelta(seconds=settings.DELIVERY_SEND_TIME_LIMIT)
    uncertain = Delivery.objects.filter(
        status=DeliveryStatus.SENDING, ses_message_id="", claimed_at__lt=interrupted
    ).update(
        status=DeliveryStatus.UNCERTAIN,
        last_error=(
            "The worker stopped while sending it (found still sending after the send's time "
            "limit): SES may or may not have sent it, so it is not resent automatically."
        ),
    )
    if uncertain:
        logger.warning("delivery sweep: %s interrupted sends marked uncertain", uncertain)
    return SweepResult(requeued=len(ids), uncertain=uncertain)


def delivery_bodies_prune(*, now: datetime | None = None) -> int:
    """Empty the stored bodies of finished deliveries older than DELIVERY_BODIES_KEEP_DAYS; the
    ledger row (key, to, status, subject, times, message id) stays. Answers how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DELIVERY_BODIES_KEEP_DAYS)
    pruned = Delivery.objects.filter(
        queued_at__lt=cutoff, status__in=FINAL_STATUSES, bodies_pruned_at__isnull=True
    ).update(body_text="", body_html="", headers={}, bodies_pruned_at=now)
    if pruned:
        logger.info("delivery prune: emptied the bodies of %s deliveries before %s", pruned, cutoff)
    return pruned


def ses_account_check() -> SesAccount:
    """Read the SES account and store the facts (one row) for delivery_queue's sandbox check."""
    facts: SesAccountFacts = ses_account_read()
    account, _ = SesAccount.objects.update_or_create(
        pk=1,
        defaults={
            "checked_at": timezone.now(),
            "region": facts.region,
            "source": facts.source,
            "sandbox": facts.sandbox,
            "sending_enabled": facts.sending_enabled,
            "max_24_hour_send": facts.max_24_hour_send,
            "max_send_rate": facts.max_send_rate,
            "sent_last_24_hours": facts.sent_last_24_hours,
            "verified_identities": facts.verified_identities,
        },
    )
    return account


def _addresses(entries: Sequence[dict[str, Any]] | None) -> list[str]:
    return [str(e["emailAddress"]).lower() for e in entries or () if e.get("emailAddress")]


def ses_event_record(
    *, sns_message_id: str, event_type: str, mail: dict[str, Any], event: dict[str, Any]
) -> bool:
    """Apply one SES event to the ledger, once (keyed on the SNS message id): a permanent bounce
    or a complaint suppresses its addresses and marks the delivery when its `to` is among them;
    a delivery event confirms it. Answers whether anything was applied."""
    ses_message_id = str((mail or {}).get("messageId", ""))
    with transaction.atomic():
        _, created = SesEvent.objects.get_or_create(
            sns_message_id=sns_message_id,
            defaults={"event_type": event_type, "ses_message_id": ses_message_id},
        )
        if not created:
            return False
        delivery = (
            Delivery.objects.select_for_update().filter(ses_message_id=ses_message_id).first()
            if ses_message_id
            else None
        )
        now = timezone.now()
        if event_type == "bounce":
            addresses = _addresses(event.get("bouncedRecipients"))
            detail = f"{event.get('bounceType', '?')}/{event.get('bounceSubType', '?')}"
            if event.get("bounceType") != "Permanent":
                # A soft bounce (mailbox full, …) is noted, not suppressed: SES itself retried.
                if delivery:
                    delivery.last_error = f"soft bounce ({detail})"
                    delivery.save(update_fields=["last_error"])
                return True
            _suppress(addresses, SuppressionReason.BOUNCE, sns_message_id, delivery, detail)
            if delivery and delivery.to.lower() in addresses:
                delivery.status = DeliveryStatus.BOUNCED
                delivery.last_error = f"bounced ({detail})"
                delivery.save(update_fields=["status", "last_error"])
        elif event_type == "complaint":
            addresses = _addresses(event.get("complainedRecipients"))
            detail = str(event.get("complaintFeedbackType", "complaint"))
            _suppress(addresses, SuppressionReason.COMPLAINT, sns_message_id, delivery, detail)
            if delivery and delivery.to.lower() in addresses:
                delivery.status = DeliveryStatus.COMPLAINED
                delivery.last_error = f"complaint ({detail})"
                delivery.save(update_fields=["status", "last_error"])
        elif event_type == "delivery" and delivery:
            delivery.delivered_at = now
            fields = ["delivered_at"]
            if delivery.status in (DeliveryStatus.SENDING, DeliveryStatus.UNCERTAIN):
                delivery.status = DeliveryStatus.SENT
                fields.append("status")
            delivery.save(update_fields=fields)
    logger.info(
        "delivery SES %s event %s: delivery=%s ses_message_id=%s",
        event_type, sns_message_id, delivery.pk if delivery else "-", ses_message_id or "-",
    )
    return True


def _suppress(
    addresses: list[str],
    reason: str,
    source: str,
    delivery: Delivery | None,
    detail: str,
) -> None:
    for address in addresses:
        Suppression.objects.get_or_create(
            address=address,
            defaults={"reason": reason, "source_event": source, "delivery": delivery,
                      "detail": detail},
        )
        logger.warning("delivery: %s suppressed after a %s (%s)", address, reason, detail)
