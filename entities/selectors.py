"""Reads of the portfolio. Every page, report, email and API asks here what a user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from entities.models import Entity, Membership, Persona, Snapshot, SourceFile


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
    """Snapshots that speak for a date on or before as_of (their period, else their ingest)."""
    return Q(period__lte=as_of) | Q(period__isnull=True, ingested_at__date__lte=as_of)


def snapshot_histories(
    *, entities: Iterable[Entity], as_of: dt.date | None = None, depth: int | None = None
) -> dict[int, list[Snapshot]]:
    """Each entity's snapshots, oldest first, up to as_of; the last `depth` of them if given.

    Two queries for any number of entities: one for the snapshots (metrics, items and
    receivables prefetched in three more), never one per entity.
    """
    ids = [e.pk for e in entities]
    snapshots = Snapshot.objects.filter(entity_id__in=ids).select_related("entity")
    if as_of is not None:
        snapshots = snapshots.filter(snapshot_as_of_q(as_of))
    snapshots = snapshots.order_by("entity_id", F("period").asc(nulls_first=True), "ingested_at")
    if depth is not None:
        # Keep only the newest `depth` per entity, in the database.
        snapshots = snapshots.annotate(
            newest_rank=Window(
                RowNumber(),
                partition_by=[F("entity_id")],
                order_by=[F("period").desc(nulls_last=True), F("ingested_at").desc()],
            )
        ).filter(newest_rank__lte=depth)
    snapshots = snapshots.prefetch_related("metrics", "items", "receivables")
    histories: dict[int, list[Snapshot]] = {pk: [] for pk in ids}
    for snapshot in snapshots:
        histories[snapshot.entity_id].append(snapshot)
    return histories


def snapshots_latest(
    *, entities: Iterable[Entity], as_of: dt.date | None = None
) -> dict[int, Snapshot | None]:
    """Each entity's newest snapshot as of a date (None where it had none yet)."""
    histories = snapshot_histories(entities=entities, as_of=as_of, depth=1)
    return {pk: (history[-1] if history else None) for pk, history in histories.items()}


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
    entities = list(
        entities_visible_to(user=user)
        .annotate(snapshot_count=Count("snapshots", distinct=True))
        .order_by(*Entity._meta.ordering)  # GROUP BY queries drop Meta.ordering
    )
    latest_ids = Snapshot.objects.filter(entity_id=OuterRef("pk")).order_by(
        F("period").desc(nulls_last=True), "-ingested_at"
    )
    latest_by_entity = {
        s.entity_id: s
        for s in Snapshot.objects.filter(
            pk__in=Entity.objects.filter(pk__in=[e.pk for e in entities]).values(
                newest=Subquery(latest_ids.values("pk")[:1])
            )
        ).defer("raw_text", "parsed")
    }
    file_errors: dict[int, int] = {}
    for entity_id, problems in SourceFile.objects.filter(
        entity_id__in=[e.pk for e in entities], status="error"
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
                snapshot_count=entity.snapshot_count,
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
