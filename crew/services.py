"""Writes of the crew app: events posted by crew apps, checklist updates, and nudges."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from pydantic_core import to_jsonable_python

from crew.emails import nudge_email_render
from crew.models import ChecklistItem, CrewEvent, Participant, RevokedToken
from crew.schemas import EventIn
from crew.selectors import EventWithRows, event_get
from delivery.models import Delivery
from delivery.services import delivery_queue
from entities.models import Entity
from entities.services import entity_sources_touch

logger = logging.getLogger(__name__)
NUDGE_KIND = "crew_nudge"


class EventConflict(Exception):
    """Another body was already posted under this event_id."""


def _as_utc(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    if isinstance(value, dict):
        return {k: _as_utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_utc(v) for v in value]
    return value


def _body_hash(data: EventIn) -> str:
    """The hash of what a body means, not how it was spelled: its times as UTC instants (to
    the microsecond), so 17:00Z and 09:00-08:00 are the same body (a retry from a client in
    another zone is a 200, not a 409). They are written as pydantic writes UTC ("…Z"), so a
    body posted in UTC keeps the hash it was stored with before times were normalised."""
    plain = to_jsonable_python(_as_utc(data.model_dump()))
    canonical = json.dumps(plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_post(*, entity: Entity, created_by: str, data: EventIn) -> tuple[EventWithRows, bool]:
    """The event with its participants and checklist, and whether it was created now.

    Idempotent on (entity, event_id): the same body again returns the stored event; another
    body raises EventConflict. The INSERT comes first and the unique constraint decides:
    concurrent posts meet there, the losers' INSERT fails and they read the winner's rows, so
    exactly one event is ever made (and a new event costs no read before it, nor after).
    The rows are built before the transaction opens: on SQLite it holds the database's one
    write lock from its first statement, and the other web processes wait for it.
    """
    event = CrewEvent(
        entity=entity,
        event_id=data.event_id,
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        time_zone=data.time_zone,
        created_by=created_by,
        body_hash=_body_hash(data),
    )
    # Each row takes the event's id when it is saved.
    participants = [Participant(event=event, **p.model_dump()) for p in data.participants]
    checklist = [ChecklistItem(event=event, **i.model_dump()) for i in data.checklist]
    try:
        with transaction.atomic():
            event.save(force_insert=True)
            Participant.objects.bulk_create(participants)
            ChecklistItem.objects.bulk_create(checklist)
            # Last, after the INSERT that decides a race: the entity's row lock is then held
            # only by a post that is going to commit.
            entity_sources_touch(entity_ids=[entity.pk])
    except IntegrityError as lost:
        try:
            stored = event_get(entity=entity, event_id=data.event_id)
        except CrewEvent.DoesNotExist:  # not the race we know: let the API's last net answer
            raise lost from None
        if stored.event.body_hash != event.body_hash:
            raise EventConflict(data.event_id) from None
        return stored, False
    return EventWithRows(event=event, participants=participants, checklist=checklist), True


def _done_fields(*, done: bool, by: str, now: dt.datetime) -> dict[str, object]:
    if done:
        return {"done": True, "done_by": by, "done_at": now}
    return {"done": False, "done_by": "", "done_at": None}


def checklist_item_set(
    *, entity: Entity, event_id: str, item_id: str, done: bool, by: str, now: dt.datetime
) -> ChecklistItem:
    """Mark an item done (by whom, when) or open again. Marking a done item done keeps who
    did it first. Raises ChecklistItem.DoesNotExist when the event or item is not the entity's."""
    items = ChecklistItem.objects.filter(
        event__entity=entity, event__event_id=event_id, item_id=item_id
    )
    with transaction.atomic():
        # Only rows not already in the wanted state change, so a repeat keeps the first done_at.
        if items.filter(done=not done).update(**_done_fields(done=done, by=by, now=now)):
            _event_changed(events=CrewEvent.objects.filter(entity=entity, event_id=event_id),
                           entity_ids=[entity.pk], now=now)  # fmt: skip
    return items.get()


def _event_changed(*, events: QuerySet[CrewEvent], entity_ids: list[int], now: dt.datetime) -> None:
    """One of these events' checklist items changed: the event's updated_at moves (clients
    sync on it, and an UPDATE of an item does not touch its event's auto_now), and so do its
    entity's sources (the CEO report shows the checklist's readiness)."""
    events.update(updated_at=now)
    entity_sources_touch(entity_ids=entity_ids)


def checklist_item_done_by_link(*, item_pk: int, user_id: str, now: dt.datetime) -> bool:
    """A nudge link's button: True if this marked the item done, False if it already was.
    The UPDATE only matches an open item, so two presses (or two tabs) act once."""
    item = ChecklistItem.objects.filter(pk=item_pk, done=False)
    with transaction.atomic():
        owners = list(item.values_list("event_id", "event__entity_id"))
        if not item.update(**_done_fields(done=True, by=user_id, now=now)):
            return False
        _event_changed(events=CrewEvent.objects.filter(pk__in=[e for e, _ in owners]),
                       entity_ids=[entity for _, entity in owners], now=now)  # fmt: skip
    return True


def events_prune(*, ended_before: dt.datetime, dry_run: bool = False) -> int:
    """Delete events (with their participants and checklists) that ended before a date; the
    number of events. The table grows with every charter: this keeps it to the recent ones."""
    events = CrewEvent.objects.filter(ends_at__lt=ended_before)
    if dry_run:
        return events.count()
    with transaction.atomic():
        entity_sources_touch(entity_ids=events.values_list("entity_id", flat=True).distinct())
        deleted = events.delete()[1]
    return deleted.get(CrewEvent._meta.label, 0)


def token_revoke(*, jti: str, reason: str = "") -> RevokedToken:
    revoked, _ = RevokedToken.objects.get_or_create(jti=jti, defaults={"reason": reason})
    logger.info("crew token revoked jti=%s", jti)
    return revoked


# --- Nudges ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nudge:
    """One reminder due: a participant's open items of one event, in one reminder window."""

    event: CrewEvent
    participant: Participant
    window: str  # "48h", "24h", "2h": the window's offset before departure
    items: list[ChecklistItem] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The delivery ledger's unique key: one email per event, participant and window,
        however many runs find the same nudge due."""
        return f"crew:event={self.event.pk}:participant={self.participant.pk}:window={self.window}"


def nudge_window(*, starts_at: dt.datetime, now: dt.datetime, hours: list[int]) -> str | None:
    """The window `now` is in for a departure: the smallest offset at least as far ahead as
    the departure is. 30 h ahead with 48/24/2 is "48h"; 20 h ahead is "24h"; past it, None.
    An event posted late gets only the window it is in, not every earlier one at once."""
    ahead = starts_at - now
    if ahead <= dt.timedelta(0):
        return None
    fitting = [h for h in hours if ahead <= dt.timedelta(hours=h)]
    return f"{min(fitting)}h" if fitting else None


def nudges_due(*, now: dt.datetime) -> list[Nudge]:
    """Every nudge due now: for each event departing within the widest window, each
    participant with open checklist items assigned, in the window the event is in.

    Three queries whatever the number of events: the events, their participants, their open
    items. Pure of side effects, so two overlapping runs find the same nudges with the same
    keys, and the ledger's unique key lets only one of each be sent.
    """
    hours = settings.CREW_NUDGE_HOURS
    if not hours:
        return []
    events = (
        CrewEvent.objects.filter(
            starts_at__gt=now, starts_at__lte=now + dt.timedelta(hours=max(hours))
        )
        .select_related("entity")
        .prefetch_related(
            "participants",
            Prefetch("checklist", queryset=ChecklistItem.objects.filter(done=False)),
        )
        .order_by("starts_at", "pk")
    )
    nudges = []
    for event in events:
        window = nudge_window(starts_at=event.starts_at, now=now, hours=hours)
        if window is None:
            continue
        open_items: dict[str, list[ChecklistItem]] = {}
        for item in event.checklist.all():
            open_items.setdefault(item.assignee, []).append(item)
        for participant in event.participants.all():
            if participant.user_id in open_items:
                nudges.append(
                    Nudge(
                        event=event,
                        participant=participant,
                        window=window,
                        items=open_items[participant.user_id],
                    )
                )
    return nudges


def nudge_send(*, nudge: Nudge, now: dt.datetime) -> tuple[Delivery, bool]:
    """Hand one nudge to the delivery ledger, keyed by (event, participant, window): the
    ledger's unique key makes it at most one email however often or concurrently ptb_nudge
    runs. Answers the delivery and whether it is new."""
    email = nudge_email_render(nudge=nudge, now=now)
    delivery, created = delivery_queue(
        key=nudge.key, kind=NUDGE_KIND, to=nudge.participant.email,
        subject=email.subject, body_text=email.text, body_html=email.html,
    )  # fmt: skip
    if created:
        logger.info("crew nudge queued key=%s items=%d delivery=%s", nudge.key,
                    len(nudge.items), delivery.pk)  # fmt: skip
    return delivery, created
