"""Charter events posted by the Ship-Captain-Crew apps: who sails, and the checklist before."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models.functions import Now
from django.utils.functional import cached_property

from crew.text import validate_visible_text
from crew.zones import validate_time, validate_time_zone, zone_get
from entities.models import Entity


class Role(models.TextChoices):
    CAPTAIN = "captain", "Captain"
    CREW = "crew", "Crew"
    OWNER = "owner", "Owner"


class CrewEvent(models.Model):
    """One charter. `event_id` is the crew app's own id, unique within its entity; the app
    may post the same event again (a retry) and gets the stored one back."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="crew_events")
    event_id = models.CharField(max_length=100, help_text="The crew app's id for the event.")
    title = models.CharField(max_length=500, validators=[validate_visible_text])
    # The validators hold the admin to the API's rules: a time any zone can show, a zone we know.
    starts_at = models.DateTimeField(validators=[validate_time])
    ends_at = models.DateTimeField(validators=[validate_time])
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone],
                                 help_text="IANA name, e.g. America/Los_Angeles.")  # fmt: skip
    created_by = models.CharField(max_length=100, help_text="The token's subject that posted it.")
    # The hash of the validated body as posted: the same body again is a retry (200), another
    # body under the same event_id a conflict (409).
    body_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "event_id"], name="crew_event_unique_entity_event_id"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="crew_event_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="crew_event_starts_at")]

    def __str__(self) -> str:
        return f"{self.title} ({self.event_id})"

    @cached_property
    def zone(self) -> dt.tzinfo:
        """The zone the event's times are shown in: its own, or UTC when zoneinfo does not
        know its name (the API refuses such a name, but a row can be edited, or the zone
        database updated, after it was posted). Pages say which it is by `zone_known`."""
        return zone_get(self.time_zone) or dt.UTC

    @property
    def zone_known(self) -> bool:
        return zone_get(self.time_zone) is not None


class Participant(models.Model):
    event = models.ForeignKey(CrewEvent, on_delete=models.CASCADE, related_name="participants")
    user_id = models.CharField(max_length=100)
    name = models.CharField(max_length=500, validators=[validate_visible_text])
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices)

    class Meta:
        ordering = ["event", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user_id"], name="crew_participant_unique_event_user"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="crew_participant_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class ChecklistItem(models.Model):
    event = models.ForeignKey(CrewEvent, on_delete=models.CASCADE, related_name="checklist")
    item_id = models.CharField(max_length=100, help_text="The crew app's id for the item.")
    label = models.CharField(max_length=500, validators=[validate_visible_text])
    assignee = models.CharField(max_length=100, help_text="A participant's user_id.")
    due_at = models.DateTimeField(null=True, blank=True, validators=[validate_time])
    done = models.BooleanField(default=False)
    done_by = models.CharField(max_length=100, blank=True)
    done_at = models.DateTimeField(null=True, blank=True, validators=[validate_time])

    class Meta:
        ordering = ["event", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "item_id"], name="crew_checklist_unique_event_item"
            ),
            # done and done_at move together, so "who finished when" is never half written.
            models.CheckConstraint(
                condition=models.Q(done=True, done_at__isnull=False)
                | models.Q(done=False, done_at__isnull=True),
                name="crew_checklist_done_at_with_done",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "assignee", "done"], name="crew_checklist_open_by_who")
        ]

    def __str__(self) -> str:
        return self.label


class RevokedToken(models.Model):
    """A crew API token that must no longer be accepted, by its `jti` (tokens are never
    stored). Keep the row until the token's expiry has passed; then it may be deleted."""

    jti = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=500, blank=True)
    revoked_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-revoked_at"]

    def __str__(self) -> str:
        return self.jti
