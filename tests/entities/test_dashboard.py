import pytest
from django.urls import reverse

from tests.factories import EntityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lists_only_the_members_entities(client):
    alice = UserFactory()
    MembershipFactory(user=alice, entity=EntityFactory(slug="jada", name="JADA"))
    EntityFactory(slug="qos", name="Queen of San Diego")
    client.force_login(alice)

    page = client.get(reverse("dashboard")).content.decode()

    assert "JADA" in page
    assert "Queen of San Diego" not in page
    assert "qos" not in page


def test_it_says_so_when_the_user_has_no_entity(client):
    client.force_login(UserFactory())
    assert "not a member of any entity" in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("name", ["reports:index", "crew:index"])
def test_other_sections_do_not_leak_entities(client, name):
    alice = UserFactory()
    MembershipFactory(user=alice, entity=EntityFactory(slug="jada", name="JADA"))
    EntityFactory(slug="qos", name="Queen of San Diego")
    client.force_login(alice)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "Queen of San Diego" not in response.content.decode()


def test_login_with_a_real_password_then_logout(client):
    UserFactory(username="owner")
    response = client.post(
        reverse("login"), {"username": "owner", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200

    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_says_so_without_a_traceback(client):
    UserFactory(username="owner")
    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_the_admin_manages_entities_and_memberships(admin_client):
    EntityFactory(slug="jada")
    for name in [
        "admin:entities_entity_changelist",
        "admin:entities_membership_changelist",
        "admin:entities_entity_add",
        "admin:auth_user_changelist",
        "admin:django_celery_beat_periodictask_changelist",
    ]:
        assert admin_client.get(reverse(name)).status_code == 200, name
