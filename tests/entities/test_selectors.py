import pytest
from django.contrib.auth.models import AnonymousUser

from entities.models import Entity, Persona, Snapshot
from entities.selectors import entities_visible_to, entity_visible_get, metrics_of, personas_of
from tests.factories import EntityFactory, MembershipFactory, MetricFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_sees_only_their_entities():
    alice = UserFactory(username="alice")
    jada, qos = EntityFactory(slug="jada"), EntityFactory(slug="qos")
    MembershipFactory(user=alice, entity=jada)

    assert list(entities_visible_to(user=alice)) == [jada]
    with pytest.raises(Entity.DoesNotExist):
        entity_visible_get(user=alice, slug=qos.slug)


def test_several_personas_in_one_entity_list_it_once():
    alice = UserFactory()
    jada = EntityFactory(slug="jada")
    MembershipFactory(user=alice, entity=jada, persona=Persona.CEO)
    MembershipFactory(user=alice, entity=jada, persona=Persona.CFO)

    assert list(entities_visible_to(user=alice)) == [jada]
    assert sorted(personas_of(user=alice, entity=jada)) == ["ceo", "cfo"]


def test_a_superuser_sees_everything():
    root = UserFactory(is_superuser=True, is_staff=True)
    EntityFactory.create_batch(3)
    assert entities_visible_to(user=root).count() == 3
    assert personas_of(user=root, entity=Entity.objects.first()) == list(Persona.values)


def test_anonymous_and_inactive_users_see_nothing():
    EntityFactory()
    ghost = UserFactory(is_active=False, is_superuser=True)
    assert not entities_visible_to(user=AnonymousUser()).exists()
    assert not entities_visible_to(user=ghost).exists()


def test_a_user_without_memberships_sees_nothing():
    EntityFactory.create_batch(2)
    assert not entities_visible_to(user=UserFactory()).exists()


def test_metrics_of_reads_the_sections_asked_for_by_their_words_and_none_when_none_are_asked():
    MetricFactory(section="kpis", name="New BOOKINGS")
    snapshot = Snapshot.objects.get()
    MetricFactory(snapshot=snapshot, section="kpis", name="Client NPS")
    MetricFactory(snapshot=snapshot, section="marketing", name="Ad spend")
    MetricFactory(snapshot=snapshot, section="financials", name="Revenue")
    snapshots = Snapshot.objects.all()

    def names(**kwargs):
        return sorted(metrics_of(snapshots=snapshots, **kwargs).values_list("name", flat=True))

    assert names(sections=["kpis", "marketing"], words={"kpis": ["booking"]}) == [
        "Ad spend", "New BOOKINGS"]  # fmt: skip
    assert names(sections=["kpis"]) == ["Client NPS", "New BOOKINGS"]
    assert names(sections=[]) == []
