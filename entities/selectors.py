"""Reads of the portfolio. Every page, report, email and API asks here what a user may see."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from entities.models import Entity, Membership, Persona


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
