"""A crew write moves its entity's `sources_version` (the CEO report shows readiness), once
for a change and never for a repeat that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from crew.models import ChecklistItem, CrewEvent
from crew.services import checklist_item_done_by_link, events_prune
from entities.models import Entity
from tests.crew.conftest import event_body
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)


def version() -> int:
    return Entity.objects.get(slug="qos").sources_version


def test_a_new_event_moves_it_and_the_same_body_again_does_not(api):
    start = version()
    api.post("/events", event_body())
    posted = version()
    api.post("/events", event_body())
    api.post("/events", event_body(title="Another body"))  # 409

    assert posted == start + 1 and version() == posted


def test_a_checklist_change_moves_it_once(api):
    api.post("/events", event_body())
    start = version()

    api.patch("/events/charter-1/checklist/fuel", {"done": True})
    api.patch("/events/charter-1/checklist/fuel", {"done": True})  # already done
    after_api = version()
    item = ChecklistItem.objects.get(item_id="ice")
    assert checklist_item_done_by_link(item_pk=item.pk, user_id="crew-1", now=NOW)
    assert not checklist_item_done_by_link(item_pk=item.pk, user_id="crew-1", now=NOW)

    assert after_api == start + 1 and version() == start + 2


def test_pruned_events_move_it(api):
    api.post("/events", event_body())
    start = version()

    assert events_prune(ended_before=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == 1
    assert version() == start + 1


def test_an_admin_edit_of_a_checklist_item_moves_it(api, client):
    api.post("/events", event_body())
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    item = ChecklistItem.objects.get(item_id="safety")
    start = version()

    response = client.post(f"/admin/crew/checklistitem/{item.pk}/change/", {
        "event": item.event_id, "item_id": "safety", "label": "Safety cards, laminated",
        "assignee": "cap-1", "done_by": ""})  # fmt: skip

    assert response.status_code == 302, response.content[:2000]
    assert version() == start + 1
    event = CrewEvent.objects.get()
    client.post(f"/admin/crew/crewevent/{event.pk}/delete/", {"post": "yes"})
    assert not CrewEvent.objects.exists() and version() == start + 2
