from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from entities.models import (
    Entity,
    EntityKind,
    Item,
    Membership,
    Metric,
    Persona,
    Receivable,
    Snapshot,
)
from entities.services import entity_sources_touch


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"entity-{n}")
    name = factory.LazyAttribute(lambda e: e.slug.replace("-", " ").title())
    kind = EntityKind.CORE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    entity = factory.SubFactory(EntityFactory)
    persona = Persona.CEO


class SourcesFactory(factory.django.DjangoModelFactory):
    """A row a report reads, written as the ingest would: its entity's sources_version moves,
    so a report stored before it is rendered again."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = super()._create(model_class, *args, **kwargs)
        entity_id = row.entity_id if isinstance(row, Snapshot) else row.snapshot.entity_id
        entity_sources_touch(entity_ids=[entity_id])
        return row


class SnapshotFactory(SourcesFactory):
    class Meta:
        model = Snapshot

    entity = factory.SubFactory(EntityFactory)
    period = datetime.date(2026, 11, 1)
    period_label = factory.LazyAttribute(lambda s: f"{s.period:%Y-%m}" if s.period else "")
    source_path = factory.LazyAttribute(
        lambda s: f"/srv/notes/{s.period_label or 'undated'}/{s.entity.slug}.md"
    )
    display_path = factory.LazyAttribute(lambda s: s.source_path.removeprefix("/srv/notes/"))
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    currency = "USD"
    raw_text = factory.LazyAttribute(lambda s: "\n".join(f"line {n}" for n in range(1, 80)))
    parsed = factory.LazyFunction(dict)
    problems = factory.LazyFunction(list)
    ingested_at = factory.LazyFunction(timezone.now)


class MetricFactory(SourcesFactory):
    class Meta:
        model = Metric

    snapshot = factory.SubFactory(SnapshotFactory)
    section = "kpis"
    name = factory.Sequence(lambda n: f"Metric {n}")
    value = Decimal(1)
    unit = ""
    raw = factory.LazyAttribute(lambda m: "" if m.value is None else str(m.value))
    line = factory.Sequence(lambda n: n + 1)


class ItemFactory(SourcesFactory):
    class Meta:
        model = Item

    snapshot = factory.SubFactory(SnapshotFactory)
    kind = "risk"
    text = factory.Sequence(lambda n: f"Item {n}")
    line = factory.Sequence(lambda n: n + 1)


class ReceivableFactory(SourcesFactory):
    class Meta:
        model = Receivable

    snapshot = factory.SubFactory(SnapshotFactory)
    client = factory.Sequence(lambda n: f"Client {n}")
    amount = Decimal(100)
    unit = "USD"
    status = "current"
    line = factory.Sequence(lambda n: n + 1)
