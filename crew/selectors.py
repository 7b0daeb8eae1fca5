"""Reads of the crew app: events for the API, the Crew pages and the CEO report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from crew.models import ChecklistItem, CrewEvent, Participant, RevokedToken
from entities.models import Entity


def _with_rows(events: QuerySet[CrewEvent]) -> QuerySet[CrewEvent]:
    return events.select_related("entity").prefetch_related(
        Prefetch("participants", queryset=Participant.objects.order_by("pk")),
        Prefetch("checklist", queryset=ChecklistItem.objects.order_by("pk")),
    )


@dataclass(frozen=True, slots=True)
class EventWithRows:
    """One event with its participants and checklist, in the order they were posted."""

    event: CrewEvent
    participants: list[Participant]
    checklist: list[ChecklistItem]


def event_get(*, entity: Entity, event_id: str) -> EventWithRows:
    """One event of an entity with its rows, in three queries; CrewEvent.DoesNotExist if it is
    not the entity's (the same answer as for an id that does not exist).

    Plain queries, as there is one event: prefetch_related's machinery, and a join for the
    entity the caller already holds, made this read a third slower (bench/crew)."""
    event = CrewEvent.objects.get(entity=entity, event_id=event_id)
    event.entity = entity  # the row it was filtered by: no query to read its slug
    return EventWithRows(
        event=event,
        participants=list(Participant.objects.filter(event=event).order_by("pk")),
        checklist=list(ChecklistItem.objects.filter(event=event).order_by("pk")),
    )


def events_list(
    *, entity: Entity, starts_from: dt.datetime | None = None, starts_to: dt.datetime | None = None
) -> list[CrewEvent]:
    """An entity's events starting within [from, to), with their rows, in three queries."""
    events = CrewEvent.objects.filter(entity=entity)
    if starts_from is not None:
        events = events.filter(starts_at__gte=starts_from)
    if starts_to is not None:
        events = events.filter(starts_at__lt=starts_to)
    return list(_with_rows(events).order_by("starts_at", "pk"))


@dataclass(frozen=True, slots=True)
class EventReadiness:
    """How ready one event is: checklist items done of total, and who is behind (has open
    items whose due time has passed)."""

    event: CrewEvent
    items_done: int
    items_total: int
    behind: list[str]

    @property
    def percent_done(self) -> int | None:
        """None when there is no checklist: "0 of 0, 100%" would say a crew is ready that
        has nothing to be ready with. Pages say "no checklist" instead."""
        return round(100 * self.items_done / self.items_total) if self.items_total else None


def events_upcoming(
    *, entity_ids: Iterable[int], now: dt.datetime, days: int = 14
) -> list[EventReadiness]:
    """Events of these entities that have not ended and start within `days`, soonest first,
    with their readiness. Three queries whatever the number of events."""
    events = list(
        CrewEvent.objects.filter(
            entity_id__in=list(entity_ids),
            ends_at__gt=now,
            starts_at__lte=now + dt.timedelta(days=days),
        )
        .select_related("entity")
        .annotate(
            items_total=Count("checklist"),
            items_done=Count("checklist", filter=Q(checklist__done=True)),
        )
        .order_by("starts_at", "pk")
    )
    late = ChecklistItem.objects.filter(event__in=[e.pk for e in events], done=False,
                                        due_at__lte=now)  # fmt: skip
    late_by_event: dict[int, set[str]] = {}
    for event_pk, assignee in late.values_list("event_id", "assignee"):
        late_by_event.setdefault(event_pk, set()).add(assignee)
    names: dict[tuple[int, str], str] = {}
    if late_by_event:
        for event_pk, user_id, name in Participant.objects.filter(
            event_id__in=list(late_by_event)
        ).values_list("event_id", "user_id", "name"):
            names[(event_pk, user_id)] = name
    return [
        EventReadiness(
            event=event,
            items_done=event.items_done,
            items_total=event.items_total,
            behind=sorted(
                names.get((event.pk, user_id), user_id)
                for user_id in late_by_event.get(event.pk, ())
            ),
        )
        for event in events
    ]


def event_visible_get(*, entity_ids: Iterable[int], entity_slug: str, event_id: str) -> CrewEvent:
    """An event for the Crew pages, only within the entities the reader may see."""
    return _with_rows(
        CrewEvent.objects.filter(entity_id__in=list(entity_ids), entity__slug=entity_slug)
    ).get(event_id=event_id)


def checklist_item_get(*, item_pk: int) -> ChecklistItem:
    """A checklist item for a nudge link's page, with its event and entity, annotated
    `done_by_name`: the name of the participant who marked it done, or the user id when it is
    not one of the event's participants ("" while it is open). One query;
    ChecklistItem.DoesNotExist if the item is gone."""
    name = Participant.objects.filter(event=OuterRef("event"), user_id=OuterRef("done_by"))
    return (
        ChecklistItem.objects.select_related("event__entity")
        .annotate(done_by_name=Coalesce(Subquery(name.values("name")[:1]), F("done_by")))
        .get(pk=item_pk)
    )


def token_entity_get(*, slug: str, jti: str) -> Entity:
    """The entity a crew token names, annotated `token_revoked`: whether the token's jti is
    revoked. One query for the two questions every API request asks; Entity.DoesNotExist if
    no entity has the slug."""
    revoked = Exists(RevokedToken.objects.filter(jti=jti))
    return Entity.objects.annotate(token_revoked=revoked).get(slug=slug)
