"""The delivery ledger: one row per message to one address, unique on a key its caller builds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    SENDING = "sending", "sending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"
    BOUNCED = "bounced", "bounced"
    COMPLAINED = "complained", "complained"
    SUPPRESSED = "suppressed", "suppressed"
    UNCERTAIN = "uncertain", "uncertain"


# What each status means, for the admin and the outbox.
STATUS_EXPLANATIONS: dict[str, str] = {
    DeliveryStatus.QUEUED: "Waiting for a worker (or for its next try after SES throttled).",
    DeliveryStatus.SENDING: "A worker has claimed it and is handing it to SES.",
    DeliveryStatus.SENT: (
        "Handed over: SES accepted it (its message id is stored), or, where no SES is "
        "configured (the demo, development), the local outbox kept it."
    ),
    DeliveryStatus.FAILED: "Not sent: SES refused it, or it could not be sent; see the reason.",
    DeliveryStatus.BOUNCED: "Sent, and the receiving server bounced it; the address is suppressed.",
    DeliveryStatus.COMPLAINED: "Sent, and the recipient marked it as spam; address suppressed.",
    DeliveryStatus.SUPPRESSED: "Not sent: the address bounced or complained before.",
    DeliveryStatus.UNCERTAIN: (
        "The send was interrupted after the row was claimed and before SES answered, so SES may or "
        "may not have sent it. SES has no idempotency key: it is never resent automatically. "
        "Check the recipient's mailbox or SES's sending activity (by time and address) before "
        "sending it again."
    ),
}

# Statuses after which nothing more will happen to a row's message: its body may be pruned.
FINAL_STATUSES = (
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.BOUNCED,
    DeliveryStatus.COMPLAINED,
    DeliveryStatus.SUPPRESSED,
    DeliveryStatus.UNCERTAIN,
)


class Delivery(models.Model):
    key = models.CharField(max_length=255, unique=True, help_text="Built by the caller.")
    kind = models.CharField(max_length=64, help_text='What sent it, e.g. "report" or "crew".')
    to = models.EmailField(max_length=254)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    ses_message_id = models.CharField(max_length=255, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    # When a worker should next pick it up: queued_at at first, later after a retry's wait.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="When SES reported the receiving server accepted it."
    )
    # The message exactly as it is sent.
    from_email = models.CharField(max_length=320)
    subject = models.CharField(max_length=998)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    bodies_pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_known"
            ),
        ]
        indexes = [
            # The sweeper: queued rows past their time, sending rows claimed long ago.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next"),
            models.Index(fields=["status", "claimed_at"], name="delivery_status_claimed"),
            # The admin's filters and the pruning, newest first.
            models.Index(fields=["queued_at"], name="delivery_queued_at"),
            models.Index(fields=["kind", "queued_at"], name="delivery_kind_queued"),
            models.Index(fields=["to"], name="delivery_to"),
            # SES events find their delivery by message id.
            models.Index(
                fields=["ses_message_id"],
                name="delivery_ses_message_id",
                condition=~Q(ses_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.to} ({self.status})"

    @property
    def status_explained(self) -> str:
        return STATUS_EXPLANATIONS.get(self.status, "")


class SuppressionReason(models.TextChoices):
    BOUNCE = "bounce", "bounce"
    COMPLAINT = "complaint", "complaint"


class Suppression(models.Model):
    """An address that bounced for good or complained: nothing more is sent to it."""

    address = models.CharField(max_length=254, unique=True, help_text="Lower case.")
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    source_event = models.CharField(
        max_length=255, blank=True, help_text="The SNS message id of the SES event."
    )
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=SuppressionReason.values), name="suppression_reason_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"


class SesEvent(models.Model):
    """An SES event notification received through SNS, kept once: the same event twice is one
    row."""

    sns_message_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=32)
    ses_message_id = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.sns_message_id}"


class SesAccount(models.Model):
    """What check_ses last read from SES (one row): delivery_queue refuses up front an address that
    cannot receive while the account is in the sandbox."""

    checked_at = models.DateTimeField(default=timezone.now)
    region = models.CharField(max_length=32)
    source = models.CharField(max_length=64, help_text="Which SES calls the facts came from.")
    sandbox = models.BooleanField()
    sending_enabled = models.BooleanField(null=True)
    max_24_hour_send = models.FloatField()
    max_send_rate = models.FloatField()
    sent_last_24_hours = models.FloatField()
    verified_identities = models.JSONField(default=list, help_text="Lower case.")

    class Meta:
        verbose_name = "SES account"

    def __str__(self) -> str:
        return f"SES {self.region} ({'sandbox' if self.sandbox else 'production'})"

    def can_receive(self, address: str) -> bool:
        """Whether SES will send to this address: anything outside the sandbox; inside, only a
        verified address or an address of a verified domain."""
        if not self.sandbox:
            return True
        address = address.strip().lower()
        return address in self.verified_identities or (
            address.rpartition("@")[2] in self.verified_identities
        )
