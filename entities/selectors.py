"""Reads of the portfolio. Every page, report, email and API asks here what a user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from entities.models import (
    Entity,
    Item,
    Membership,
    Metric,
    Persona,
    Receivable,
    Snapshot,
    SourceFile,
    SourceFileStatus,
)


def entities_visible_to(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Entity]:
    """The entities this user may see: all for a superuser, their memberships' for others."""
    if not user.is_authenticated or not user.is_active:
        return Entity.objects.none()
    if user.is_superuser:
        return Entity.objects.all()
    return Entity.objects.filter(memberships__user=user).distinct()


def entity_visible_get(*, user: AbstractBaseUser | AnonymousUser, slug: str) -> Entity:
    """One entity by slug, only if visible; raises Entity.DoesNotExist otherwise (never 403:
    a stranger must not learn that the slug exists)."""
    return entities_visible_to(user=user).get(slug=slug)


def personas_of(*, user: AbstractBaseUser, entity: Entity) -> list[str]:
    """The personas a user holds in one entity (superusers hold them all)."""
    if user.is_superuser:
        return list(Persona.values)
    return list(
        Membership.objects.filter(user=user, entity=entity).values_list("persona", flat=True)
    )


def snapshot_as_of_q(as_of: dt.date) -> Q:
    """Snapshots that stood on as_of: those whose period had ended by then (a month's note
    counts from its month's last day, a day's from that day), or, without a period, that
    had been read by then (Snapshot.stands_from). A note about October is not yet there on
    15 October."""
    return Q(stands_from__lte=as_of)


def _later_reading_of_its_period() -> QuerySet[Snapshot]:
    """Snapshots that replace the outer one: the same entity's note for the same period, read
    later. A note edited and read again (a typo fixed, a figure corrected) is that period's
    note from then on, not a period of its own: history has one snapshot per period, and
    what changed is measured against the period before. Notes without a period (NULL never
    equals NULL) each stay a point of their own, in the order they were read."""
    return Snapshot.objects.filter(
        entity_id=OuterRef("entity_id"),
        period=OuterRef("period"),
        period_label=OuterRef("period_label"),
    ).filter(
        Q(ingested_at__gt=OuterRef("ingested_at"))
        | Q(ingested_at=OuterRef("ingested_at"), id__gt=OuterRef("id"))
    )


def snapshots_newest(
    *, entity_ids: Iterable[int], as_of: dt.date | None = None, depth: int = 1
) -> QuerySet[Snapshot]:
    """Each entity's newest `depth` snapshots as of a date (None: its newest of all), each
    annotated with `newest_rank` (1 = the newest), in the one order history has
    (`Snapshot.NEWEST_FIRST`); of several readings of one period, only the last.

    The one answer to "the newest snapshot of each entity as of a date": the dashboard, the
    reports and `Snapshot.previous()` ask it. One query (a window function) for any number of
    entities; use it as a subquery (`.values("id")`) to read the snapshots' rows.
    """
    snapshots = Snapshot.objects.filter(entity_id__in=list(entity_ids)).exclude(
        Exists(_later_reading_of_its_period())
    )
    if as_of is not None:
        snapshots = snapshots.filter(snapshot_as_of_q(as_of))
    return snapshots.annotate(
        newest_rank=Window(
            RowNumber(), partition_by=[F("entity_id")], order_by=list(Snapshot.NEWEST_FIRST)
        )
    ).filter(newest_rank__lte=depth)


def metrics_of(
    *,
    snapshots: QuerySet[Snapshot],
    sections: Iterable[str],
    words: Mapping[str, Iterable[str]] | None = None,
) -> QuerySet[Metric]:
    """The metrics of these snapshots in these sections, in each note's order; in a section
    that `words` names, only those whose name contains one of its words, in any case."""
    words = words or {}
    wanted = Q(pk__in=[])  # no section asked for: no metric
    for section in sections:
        named = Q()
        for word in words.get(section, ()):
            named |= Q(name__icontains=word)
        wanted |= Q(section=section) & named
    return Metric.objects.filter(wanted, snapshot__in=snapshots.values("id")).order_by(
        "snapshot_id", "line", "id"
    )


def items_of(*, snapshots: QuerySet[Snapshot], kinds: Iterable[str]) -> QuerySet[Item]:
    """The items (risks, tech debt…) of these snapshots of these kinds, in each note's order."""
    return Item.objects.filter(snapshot__in=snapshots.values("id"), kind__in=list(kinds)).order_by(
        "snapshot_id", "line", "id"
    )


def receivables_of(*, snapshots: QuerySet[Snapshot]) -> QuerySet[Receivable]:
    """The receivables of these snapshots, in each note's order."""
    return Receivable.objects.filter(snapshot__in=snapshots.values("id")).order_by(
        "snapshot_id", "line", "id"
    )


def source_files_failed(*, entity_ids: Iterable[int]) -> QuerySet[SourceFile]:
    """The note files of these entities whose last reading made no snapshot."""
    return SourceFile.objects.filter(
        entity_id__in=list(entity_ids), status=SourceFileStatus.ERROR
    ).order_by("display_path")


def source_files_failed_unowned(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[SourceFile]:
    """Note files whose last reading failed before any entity was known for them (a broken
    note of a new business: bad front matter, a bad slug, bytes that are not text). Only a
    superuser may see them, as no membership can grant a file without an entity."""
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        return SourceFile.objects.none()
    return SourceFile.objects.filter(entity__isnull=True, status=SourceFileStatus.ERROR).order_by(
        "display_path", "path"
    )


def snapshot_periods(*, entity_ids: Iterable[int]) -> list[tuple[dt.date, str]]:
    """Each (period, label) with a note among these entities, newest first."""
    periods = (
        Snapshot.objects.filter(entity_id__in=list(entity_ids), period__isnull=False)
        .order_by("-period", "period_label")
        .values_list("period", "period_label")
        .distinct()
    )
    return list(periods)


def snapshot_visible_get(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Snapshot:
    """A snapshot (to show its note as read), only if its entity is visible to the user;
    raises Snapshot.DoesNotExist otherwise."""
    return Snapshot.objects.select_related("entity").get(
        pk=pk, entity__in=entities_visible_to(user=user)
    )


def personas_held(*, user: AbstractBaseUser | AnonymousUser) -> dict[int, set[str]]:
    """entity id -> the personas this user holds there, in one query."""
    held: dict[int, set[str]] = {}
    if user.is_authenticated:
        for entity_id, persona in Membership.objects.filter(user=user).values_list(
            "entity_id", "persona"
        ):
            held.setdefault(entity_id, set()).add(persona)
    return held


def snapshot_histories(
    *, entities: Iterable[Entity], as_of: dt.date | None = None, depth: int | None = None
) -> dict[int, list[Snapshot]]:
    """Each entity's snapshots, oldest first, up to as_of; the last `depth` of them if given.

    Two queries for any number of entities: one for the snapshots (metrics, items and
    receivables prefetched in three more), never one per entity.
    """
    ids = [e.pk for e in entities]
    snapshots = snapshots_newest(entity_ids=ids, as_of=as_of, depth=depth or 2**31 - 1)
    snapshots = snapshots.select_related("entity").prefetch_related(
        "metrics", "items", "receivables"
    )
    histories: dict[int, list[Snapshot]] = {pk: [] for pk in ids}
    for snapshot in sorted(snapshots, key=lambda s: -s.newest_rank):
        histories[snapshot.entity_id].append(snapshot)
    return histories


def snapshots_latest(
    *, entities: Iterable[Entity], as_of: dt.date | None = None
) -> dict[int, Snapshot | None]:
    """Each entity's newest snapshot as of a date (None where it had none yet)."""
    ids = [e.pk for e in entities]
    latest: dict[int, Snapshot | None] = dict.fromkeys(ids)
    for snapshot in snapshots_newest(entity_ids=ids, as_of=as_of):
        latest[snapshot.entity_id] = snapshot
    return latest


@dataclass(frozen=True, slots=True)
class EntityOverview:
    entity: Entity
    latest: Snapshot | None
    snapshot_count: int
    problem_count: int
    stale: bool


def entity_overviews(*, user: AbstractBaseUser | AnonymousUser) -> list[EntityOverview]:
    """The dashboard's rows: each visible entity with its latest snapshot, staleness and problems
    (the latest snapshot's warnings plus errors of note files that made no snapshot)."""
    entities = list(entities_visible_to(user=user).order_by(*Entity._meta.ordering))
    # One per period, as history has them: a note read again is not counted twice.
    counts = dict(
        Snapshot.objects.filter(entity_id__in=[e.pk for e in entities])
        .exclude(Exists(_later_reading_of_its_period()))
        .values("entity_id")
        .annotate(n=Count("id"))
        .values_list("entity_id", "n")
    )
    latest_by_entity = {
        s.entity_id: s
        for s in snapshots_newest(entity_ids=[e.pk for e in entities]).defer("raw_text", "parsed")
    }
    file_errors: dict[int, int] = {}
    for entity_id, problems in SourceFile.objects.filter(
        entity_id__in=[e.pk for e in entities], status=SourceFileStatus.ERROR
    ).values_list("entity_id", "problems"):
        file_errors[entity_id] = file_errors.get(entity_id, 0) + len(problems)
    today = timezone.localdate()
    rows = []
    for entity in entities:
        latest = latest_by_entity.get(entity.pk)
        rows.append(
            EntityOverview(
                entity=entity,
                latest=latest,
                snapshot_count=counts.get(entity.pk, 0),
                problem_count=(latest.warning_count if latest else 0)
                + file_errors.get(entity.pk, 0),
                stale=latest is None or latest.is_stale(today=today),
            )
        )
    return rows


def entity_get(*, slug: str) -> Entity:
    """One entity by slug, for callers that carry their own proof of access (a crew API
    token); raises Entity.DoesNotExist."""
    return Entity.objects.get(slug=slug)
