"""The crew models in the admin, and issuing a token there (superusers; shown once)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from crew.models import RevokedToken
from crew.tokens import token_verify
from tests.crew.factories import crew_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["crewevent", "participant", "checklistitem", "revokedtoken"])
def test_every_crew_model_is_in_the_admin(admin_client, qos, model):
    crew_event(entity=qos, starts_at=dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    assert admin_client.get(f"/admin/crew/{model}/").status_code == 200
    assert admin_client.get(f"/admin/crew/{model}/add/").status_code == 200


def test_a_superuser_issues_a_token_that_is_shown_once_and_verifies(admin_client, qos):
    form = admin_client.get("/admin/crew/revokedtoken/issue/")
    assert form.status_code == 200
    response = admin_client.post("/admin/crew/revokedtoken/issue/", {
        "user_id": "cap-1", "entity": "qos", "role": "captain", "ttl_hours": "24"})  # fmt: skip

    token = re.search(r'<textarea id="issued-token"[^>]*>([^<]+)</textarea>', response.text)[1]
    claims = token_verify(token=token)
    assert (claims.sub, claims.entity, claims.role) == ("cap-1", "qos", "captain")
    assert "no-store" in response["Cache-Control"]
    assert token not in admin_client.get("/admin/crew/revokedtoken/issue/").text


def test_a_revocation_is_added_by_jti_in_the_admin(admin_client):
    admin_client.post("/admin/crew/revokedtoken/add/", {"jti": "abc123", "reason": "lost"})
    assert RevokedToken.objects.get().jti == "abc123"


def test_staff_who_are_not_superusers_cannot_issue_tokens(client, qos):
    client.force_login(UserFactory(is_staff=True))
    response = client.get("/admin/crew/revokedtoken/issue/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_admin_refuses_a_time_no_zone_can_show_and_an_unknown_zone(admin_client, qos):
    """The API's limits hold in the admin too: a row saved there with year 9999 would be a
    500 on every page that shows it in a zone east of UTC."""
    event = crew_event(entity=qos, starts_at=dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    item = event.checklist.first()
    url = f"/admin/crew/checklistitem/{item.pk}/change/"
    data = {"event": event.pk, "item_id": item.item_id, "label": item.label,
            "assignee": item.assignee,
            "due_at_0": "9999-12-31", "due_at_1": "23:00:00"}  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with its error
    assert "must be from 1900-01-01T00:00:00Z to before 3000-01-01T00:00:00Z" in response.text
    item.refresh_from_db()
    assert item.due_at is None or item.due_at.year < 3000

    event.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert "time_zone" in refused.value.message_dict
    event.time_zone = "America/Los_Angeles"
    event.starts_at = dt.datetime(1899, 12, 31, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert set(refused.value.message_dict) == {"starts_at"}


@pytest.mark.parametrize("label", ["   ", "\u202eevil", "\u200b"])
def test_the_admin_refuses_blank_or_reversing_text_as_the_api_does(admin_client, qos, label):
    event = crew_event(entity=qos, starts_at=dt.datetime(2026, 12, 5, tzinfo=dt.UTC))
    item = event.checklist.first()
    response = admin_client.post(
        f"/admin/crew/checklistitem/{item.pk}/change/",
        {"event": event.pk, "item_id": item.item_id, "label": label, "assignee": item.assignee},
    )
    assert response.status_code == 200  # the form again, with its error
    assert "The text must not" in response.text or "This field is required." in response.text
    item.refresh_from_db()
    assert item.label != label
