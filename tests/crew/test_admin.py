"""The crew models in the admin, and issuing a token there (superusers; shown once)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

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
    assert client.get("/admin/crew/revokedtoken/issue/").status_code == 403
