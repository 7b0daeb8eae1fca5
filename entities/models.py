"""The portfolio: entities, who may see them, and dated snapshots of their handoff notes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from entities.handoff.types import METRIC_NAME_MAX_LENGTH
from entities.periods import note_stands_from, snapshot_is_stale
from entities.slugs import SLUG_MAX_LENGTH, SLUG_PATTERN


def _one_of(field: str, choices: type[models.TextChoices], *, blank: bool = False) -> Q:
    """A CheckConstraint's condition: the column holds one of the choices (or "" if blank)."""
    values = list(choices.values) + ([""] if blank else [])
    return Q(**{f"{field}__in": values})


class Persona(models.TextChoices):
    """The readers of the portfolio. The one definition every app uses."""

    CEO = "ceo", "CEO"
    CTO = "cto", "CTO / VP Engineering"
    CFO = "cfo", "CFO"
    CMO = "cmo", "CMO"
    CAO = "cao", "Chief Accounting Officer"


class EntityKind(models.TextChoices):
    CORE = "core", "Core"
    SUPPLEMENTARY = "supplementary", "Supplementary"


class Entity(models.Model):
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        validators=[RegexValidator(SLUG_PATTERN, "Lower-case letters, digits and hyphens.")],
        help_text="The entity's id everywhere: URLs, notes, API.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EntityKind.choices, default=EntityKind.CORE)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Moved by entities.services.entity_sources_touch whenever what a report reads of this
    # entity changes: a note read, failed or deleted, a crew event or checklist of its changed.
    # A stored report's key holds it, so "did anything change?" is this one column, read with
    # the entity, instead of counting its snapshots and files on every page.
    sources_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name_plural = "entities"
        constraints = [
            models.CheckConstraint(condition=_one_of("kind", EntityKind), name="entity_kind_valid")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in an entity: what they see, and which report they read there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="memberships")
    persona = models.CharField(max_length=3, choices=Persona.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "persona"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "entity", "persona"], name="membership_unique_user_entity_persona"
            ),
            models.CheckConstraint(
                condition=_one_of("persona", Persona), name="membership_persona_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.entity} ({self.get_persona_display()})"


class Snapshot(models.Model):
    """One version of an entity's handoff note, as read. Never overwritten."""

    # History's one order, newest first: by the day a note stands from (its period's end, or
    # the day a note without a period was read), then by when it was read. So October's note
    # is newer than one for 15 October, and a note without a period read on 4 December newer
    # than November's. Never NULL: SQLite and PostgreSQL order alike.
    NEWEST_FIRST = (
        models.F("stands_from").desc(),
        models.F("ingested_at").desc(),
        models.F("id").desc(),
    )

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="snapshots")
    source_path = models.CharField(max_length=1000, help_text="Absolute, on the server.")
    display_path = models.CharField(
        max_length=1000, blank=True, help_text="As shown: relative to the folder it was read from."
    )
    content_hash = models.CharField(max_length=64)
    period = models.DateField(null=True, blank=True, help_text="What the numbers describe.")
    period_label = models.CharField(max_length=10, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    raw_text = models.TextField()
    parsed = models.JSONField(default=dict)
    problems = models.JSONField(default=list, blank=True)
    warning_count = models.PositiveIntegerField(default=0)
    ingested_at = models.DateTimeField(default=timezone.now)
    stands_from = models.DateField(
        editable=False,
        help_text="The day the note stands from: its period's end, or the day it was read.",
    )

    class Meta:
        ordering = ["entity", "period", "ingested_at"]
        get_latest_by = ["period", "ingested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "content_hash"], name="snapshot_unique_entity_content"
            )
        ]
        indexes = [
            models.Index(fields=["entity", "period", "ingested_at"]),
            models.Index(fields=["entity", "stands_from"], name="snapshot_entity_stands_from"),
        ]

    def __str__(self) -> str:
        label = self.period_label or f"{self.ingested_at:%Y-%m-%d}"
        return f"{self.entity.slug} {label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Worked out from the note's own fields, once: a snapshot is never changed after.
        self.stands_from = note_stands_from(
            period=self.period, period_label=self.period_label, ingested_at=self.ingested_at
        )
        super().save(*args, **kwargs)

    @property
    def as_of(self) -> dt.date:
        """The date this snapshot speaks for: its period, else when it was read."""
        return self.period or self.ingested_at.date()

    def previous(self) -> Self | None:
        """The snapshot of the same entity just before this one in history (NEWEST_FIRST):
        the one ranked next after it by the selector every report uses."""
        from entities.selectors import snapshots_newest  # selectors import this module

        history = snapshots_newest(entity_ids=[self.entity_id], depth=2**31 - 1)
        ranks = dict(history.values_list("id", "newest_rank"))
        if self.pk not in ranks:
            return None
        return history.filter(newest_rank=ranks[self.pk] + 1).first()

    def is_stale(self, *, today: dt.date | None = None) -> bool:
        """Older than the period it should describe, past the grace days the notes get."""
        return snapshot_is_stale(
            period=self.period,
            period_label=self.period_label,
            ingested_at=self.ingested_at,
            today=today or timezone.localdate(),
            grace_days=settings.HANDOFF_STALE_AFTER_DAYS,
        )


class Section(models.TextChoices):
    KPIS = "kpis", "KPIs"
    FINANCIALS = "financials", "Financials"
    MARKETING = "marketing", "Marketing"


class Better(models.TextChoices):
    """Which way a metric is better, as its note's target says: "≤ 5%" or "≥ 90%"."""

    LOWER = "lower", "Lower is better"
    HIGHER = "higher", "Higher is better"


class Metric(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="metrics")
    section = models.CharField(max_length=20, choices=Section.choices)
    name = models.CharField(max_length=METRIC_NAME_MAX_LENGTH)
    value = models.DecimalField(max_digits=28, decimal_places=6, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    target = models.DecimalField(max_digits=28, decimal_places=6, null=True, blank=True)
    period = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    raw = models.CharField(max_length=300, blank=True, help_text="The value as written.")
    line = models.PositiveIntegerField()
    better = models.CharField(
        max_length=6,
        choices=Better.choices,
        blank=True,
        default="",
        help_text="As the target says (≤ 5%: lower, ≥ 90%: higher); blank: the name decides.",
    )

    class Meta:
        ordering = ["snapshot", "line"]
        constraints = [
            # The parser keeps the first of two same-named metrics and warns about the second;
            # this is what makes that a fact of the data rather than a promise.
            models.UniqueConstraint(
                fields=["snapshot", "section", "name"], name="metric_unique_snapshot_section_name"
            ),
            models.CheckConstraint(
                condition=_one_of("section", Section), name="metric_section_valid"
            ),
            models.CheckConstraint(
                condition=_one_of("better", Better, blank=True), name="metric_better_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.raw}"


class ItemKind(models.TextChoices):
    TECH_STACK = "tech_stack", "Tech stack"
    TECH_DEBT = "tech_debt", "Tech debt"
    RISK = "risk", "Risk"
    NEXT_STEP = "next_step", "Next step"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Item(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    text = models.TextField(help_text="As written; sanitised wherever it is shown.")
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    resolved = models.BooleanField(default=False)
    line = models.PositiveIntegerField()

    class Meta:
        ordering = ["snapshot", "line"]
        constraints = [
            models.CheckConstraint(condition=_one_of("kind", ItemKind), name="item_kind_valid"),
            models.CheckConstraint(
                condition=_one_of("severity", Severity, blank=True), name="item_severity_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Receivable(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="receivables")
    client = models.CharField(max_length=300)
    invoice = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(max_digits=28, decimal_places=6, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=100, blank=True)
    line = models.PositiveIntegerField()

    class Meta:
        ordering = ["snapshot", "line"]

    def __str__(self) -> str:
        return f"{self.client} {self.invoice}"


class SourceFileStatus(models.TextChoices):
    """How a note file read last time (the parser's ParsedHandoff.status)."""

    OK = "ok", "OK"
    WARNINGS = "warnings", "Warnings"
    ERROR = "error", "Error"


class SourceFile(models.Model):
    """The last reading of each note file, including files too broken to make a snapshot.

    `size` and `mtime_ns` are the file's as it was read: the hourly ingest skips a file whose
    size and mtime are unchanged without reading it (empty when they cannot be trusted).
    """

    path = models.CharField(max_length=1000, unique=True, help_text="Absolute, on the server.")
    display_path = models.CharField(
        max_length=1000, blank=True, help_text="As shown: relative to the folder it was read from."
    )
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="source_files"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    mtime_ns = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=SourceFileStatus.choices)
    problems = models.JSONField(default=list, blank=True)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=_one_of("status", SourceFileStatus), name="sourcefile_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.display_path
