from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from crew.tokens import token_issue
from tests.factories import EntityFactory

START = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)


def event_body(event_id: str = "charter-1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "title": "Sunset charter",
        "starts_at": "2026-12-05T08:00:00-08:00",
        "ends_at": "2026-12-05T11:00:00-08:00",
        "time_zone": "America/Los_Angeles",
        "participants": [
            {"user_id": "cap-1", "name": "Cora Captain", "email": "cora@example.com",
             "role": "captain"},
            {"user_id": "crew-1", "name": "Dev Deckhand", "email": "dev@example.com",
             "role": "crew"},
        ],
        "checklist": [
            {"item_id": "fuel", "label": "Fuel to 90%", "assignee": "crew-1",
             "due_at": "2026-12-04T18:00:00Z"},
            {"item_id": "safety", "label": "Safety briefing cards", "assignee": "cap-1"},
            {"item_id": "ice", "label": "Ice in the cooler", "assignee": "crew-1"},
        ],
    }  # fmt: skip
    body.update(overrides)
    return body


class CrewClient:
    """The Django test client speaking to the crew API with a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def post(self, path: str, body: Any, *, content_type: str = "application/json",
             headers: dict[str, str] | None = None):  # fmt: skip
        # generic() sends bytes as they are; post() would re-encode them to the charset.
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.generic("POST", f"/api/crew{path}", data, content_type=content_type,
                                   headers=self.headers(headers))  # fmt: skip

    def patch(self, path: str, body: Any, *, content_type: str = "application/json"):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.patch(f"/api/crew{path}", data, content_type=content_type,
                                 headers=self.headers())  # fmt: skip

    def get(self, path: str, **params: str):
        return self.client.get(f"/api/crew{path}", params, headers=self.headers())


@pytest.fixture
def qos(db):
    return EntityFactory(slug="qos", name="Queen of San Diego")


@pytest.fixture
def api(qos) -> CrewClient:
    token, _ = token_issue(user_id="cap-1", entity="qos", role="captain")
    return CrewClient(token)
