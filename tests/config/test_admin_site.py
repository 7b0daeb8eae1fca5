"""The admin is for superusers: its lists cannot be narrowed to a member's entities."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from delivery.services import delivery_queue
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, note

pytestmark = pytest.mark.django_db

PAGES = ["delivery_delivery", "crew_crewevent", "crew_checklistitem", "entities_snapshot",
         "entities_entity", "entities_metric", "reports_reportrun"]  # fmt: skip


def test_staff_with_view_permissions_see_no_admin_page_of_any_entity(client):
    jada, qos = EntityFactory(slug="jada"), EntityFactory(slug="qos", name="Queen of San Diego")
    note(qos, "2026-11", fin("Revenue", "98765"))
    delivery, _ = delivery_queue(key="k1", kind="report", to="ceo@example.com",
                                 subject="CEO report · Portfolio",
                                 body_text="Queen of San Diego 98,765")  # fmt: skip
    dana = UserFactory(username="dana", is_staff=True)
    MembershipFactory(user=dana, entity=jada)
    dana.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(dana)

    for page in PAGES:
        response = client.get(reverse(f"admin:{page}_changelist"))
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("admin:login"))
    response = client.get(reverse("admin:delivery_delivery_change", args=[delivery.pk]))
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 302

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(reverse("admin:delivery_delivery_changelist")).status_code == 200
