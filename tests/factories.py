from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from entities.models import Entity, EntityKind, Membership, Persona


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
