"""The crew API's event endpoints: create (idempotent), read, list, and checklist updates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crew.models import ChecklistItem, CrewEvent, Participant
from crew.tokens import token_issue
from tests.crew.conftest import CrewClient, event_body
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def test_posting_an_event_creates_it_with_its_participants_and_checklist(api):
    response = api.post("/events", event_body())

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["event_id"] == "charter-1" and data["entity"] == "qos"
    assert data["starts_at"] == "2026-12-05T16:00:00Z"
    assert [p["user_id"] for p in data["participants"]] == ["cap-1", "crew-1"]
    assert [i["item_id"] for i in data["checklist"]] == ["fuel", "safety", "ice"]
    event = CrewEvent.objects.get()
    assert event.created_by == "cap-1"  # the token's subject
    assert Participant.objects.filter(event=event).count() == 2
    assert ChecklistItem.objects.filter(event=event, done=False).count() == 3


def test_the_same_body_again_returns_the_stored_event_with_200(api):
    first = api.post("/events", event_body())
    again = api.post("/events", event_body())

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert CrewEvent.objects.count() == 1


def test_a_different_body_under_the_same_event_id_is_a_409_and_changes_nothing(api):
    api.post("/events", event_body())
    response = api.post("/events", event_body(title="Another title"))

    assert response.status_code == 409
    assert "event_id" in response.json()["detail"]
    assert CrewEvent.objects.get().title == "Sunset charter"


def test_the_same_instants_under_other_offsets_are_the_same_body(api):
    body = event_body(starts_at="2026-12-06T17:00:00Z", ends_at="2026-12-06T20:00:00.250000Z")
    body["checklist"][0]["due_at"] = "2026-12-05T18:00:00Z"
    first = api.post("/events", body)
    body.update(starts_at="2026-12-06T09:00:00-08:00", ends_at="2026-12-07T01:30:00.25+05:30")
    body["checklist"][0]["due_at"] = "2026-12-05T10:00:00-08:00"
    again = api.post("/events", body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_another_instant_by_a_microsecond_is_another_body(api):
    end = "2026-12-06T20:00:00Z"
    assert api.post("/events", event_body(starts_at="2026-12-06T17:00:00Z", ends_at=end)
                    ).status_code == 201  # fmt: skip
    later = api.post("/events", event_body(starts_at="2026-12-06T09:00:00.000001-08:00",
                                           ends_at=end))  # fmt: skip
    assert later.status_code == 409


def test_times_are_answered_to_the_microsecond_and_read_back_post_as_the_same_body(api):
    body = event_body(starts_at="2026-12-06T09:00:00.123456-08:00",
                      ends_at="2026-12-06T20:00:00.000001Z")  # fmt: skip
    body["checklist"][0]["due_at"] = "2026-12-05T18:00:00.5Z"
    created = api.post("/events", body).json()
    assert (created["starts_at"], created["ends_at"]) == ("2026-12-06T17:00:00.123456Z",
                                                          "2026-12-06T20:00:00.000001Z")
    assert created["checklist"][0]["due_at"] == "2026-12-05T18:00:00.500000Z"
    read = api.get("/events/charter-1").json()
    assert read == created
    assert dt.datetime.fromisoformat(read["created_at"]) == CrewEvent.objects.get().created_at
    # A client that posts again what it read back sends the same instants: the same body.
    body.update(starts_at=read["starts_at"], ends_at=read["ends_at"])
    body["checklist"][0]["due_at"] = read["checklist"][0]["due_at"]
    assert api.post("/events", body).status_code == 200


def test_a_body_posted_in_utc_keeps_the_hash_it_was_stored_with():
    # Events stored before times were hashed as instants: a retry in UTC still matches.
    import hashlib
    import json

    from crew.schemas import EventIn
    from crew.services import _body_hash

    data = EventIn.model_validate(event_body(starts_at="2026-12-05T16:00:00Z",
                                             ends_at="2026-12-05T19:00:00Z"))  # fmt: skip
    before = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    assert _body_hash(data) == hashlib.sha256(before.encode()).hexdigest()


def test_a_body_naming_its_creator_is_refused_as_an_unknown_field(api):
    response = api.post("/events", event_body(created_by="someone-else"))

    assert response.status_code == 422
    assert ["body", "payload", "created_by"] in [e["loc"] for e in response.json()["detail"]]
    assert not CrewEvent.objects.exists()


def test_an_event_is_read_back_by_its_event_id(api):
    api.post("/events", event_body())
    response = api.get("/events/charter-1")
    assert response.status_code == 200
    assert response.json()["title"] == "Sunset charter"


def test_an_unknown_event_id_is_404(api):
    assert api.get("/events/nope").status_code == 404
    assert api.get("/events/bad%00id").status_code == 404


def test_events_are_listed_between_from_and_to(api):
    for n, day in enumerate((3, 5, 9)):
        api.post("/events", event_body(f"c{n}", starts_at=f"2026-12-{day:02d}T10:00:00Z",
                                       ends_at=f"2026-12-{day:02d}T12:00:00Z"))  # fmt: skip

    everything = api.get("/events")
    window = api.get("/events", **{"from": "2026-12-04T00:00:00Z", "to": "2026-12-09T00:00:00Z"})
    later = api.get("/events", **{"from": "2026-12-05T10:00:00+00:00"})

    assert [e["event_id"] for e in everything.json()] == ["c0", "c1", "c2"]
    assert [e["event_id"] for e in window.json()] == ["c1"]
    assert [e["event_id"] for e in later.json()] == ["c1", "c2"]


def test_a_list_bound_without_an_offset_is_a_422(api):
    response = api.get("/events", **{"from": "2026-12-04T00:00:00"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "from"


def test_the_list_reads_in_a_fixed_number_of_queries(api):
    for n in range(6):
        api.post("/events", event_body(f"c{n}"))
    with CaptureQueriesContext(connection) as few:
        api.get("/events")
    for n in range(6, 30):
        api.post("/events", event_body(f"c{n}"))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/events").json()) == 30
    assert len(many) == len(few)


def _kinds(captured) -> list[str]:
    return [q["sql"].split()[0] for q in captured.captured_queries]


def test_a_post_is_one_query_for_the_token_and_four_writes(api, django_assert_num_queries):
    # The token's entity and its revocation in one query; the event, its participants, its
    # checklist and the entity's sources_version. The test's own transaction makes the
    # post's a savepoint.
    with django_assert_num_queries(7) as captured:
        assert api.post("/events", event_body()).status_code == 201
    assert _kinds(captured) == ["SELECT", "SAVEPOINT", "INSERT", "INSERT", "INSERT", "UPDATE",
                                "RELEASE"]  # fmt: skip


def test_an_event_is_read_in_one_query_for_the_token_and_three_for_the_event(
    api, django_assert_num_queries
):
    api.post("/events", event_body())
    with django_assert_num_queries(4):
        assert api.get("/events/charter-1").json()["entity"] == "qos"


def test_a_repeated_post_reads_the_stored_event_once(api, django_assert_num_queries):
    first = api.post("/events", event_body())
    # The token; the INSERT the unique constraint refuses, in its savepoint; the stored event
    # with its two kinds of rows.
    with django_assert_num_queries(8) as captured:
        again = api.post("/events", event_body())
    assert again.json() == first.json()
    assert _kinds(captured) == ["SELECT", "SAVEPOINT", "INSERT", "ROLLBACK", "RELEASE", "SELECT",
                                "SELECT", "SELECT"]  # fmt: skip


def test_a_checklist_item_is_marked_done_by_the_token_subject_and_open_again(api):
    api.post("/events", event_body())

    done = api.patch("/events/charter-1/checklist/fuel", {"done": True})
    again = api.patch("/events/charter-1/checklist/fuel", {"done": True})
    reopened = api.patch("/events/charter-1/checklist/fuel", {"done": False})

    assert done.status_code == 200 and done.json()["done"] is True
    assert done.json()["done_by"] == "cap-1"
    assert again.json()["done_at"] == done.json()["done_at"]  # the first marking is kept
    assert reopened.json() == {**done.json(), "done": False, "done_by": "", "done_at": None}
    assert not ChecklistItem.objects.get(item_id="fuel").done


def _api_at(time_machine, when: dt.datetime) -> CrewClient:
    """A client whose token lasts the day, issued at a frozen time."""
    time_machine.move_to(when, tick=False)
    token, _ = token_issue(user_id="cap-1", entity="qos", ttl=dt.timedelta(days=1))
    return CrewClient(token)


def test_a_checklist_change_moves_the_events_updated_at_and_a_repeat_does_not(qos, time_machine):
    api = _api_at(time_machine, dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    posted = api.post("/events", event_body()).json()["updated_at"]

    time_machine.move_to(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False)
    api.patch("/events/charter-1/checklist/fuel", {"done": True})
    done = api.get("/events/charter-1").json()["updated_at"]
    time_machine.move_to(dt.datetime(2026, 12, 1, 11, tzinfo=dt.UTC), tick=False)
    api.patch("/events/charter-1/checklist/fuel", {"done": True})  # no change
    repeated = api.get("/events/charter-1").json()["updated_at"]
    time_machine.move_to(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), tick=False)
    api.patch("/events/charter-1/checklist/fuel", {"done": False})
    reopened = api.get("/events/charter-1").json()["updated_at"]

    assert posted == "2026-12-01T09:00:00Z"
    assert (done, repeated, reopened) == ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z",
                                          "2026-12-01T12:00:00Z")  # fmt: skip


def test_a_checklist_change_moves_only_its_own_events_updated_at(qos, time_machine):
    api = _api_at(time_machine, dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    api.post("/events", event_body())
    api.post("/events", event_body("charter-2"))
    time_machine.move_to(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False)
    api.patch("/events/charter-1/checklist/fuel", {"done": True})
    assert api.get("/events/charter-2").json()["updated_at"] == "2026-12-01T09:00:00Z"


def test_an_unknown_checklist_item_is_404(api):
    api.post("/events", event_body())
    assert api.patch("/events/charter-1/checklist/nope", {"done": True}).status_code == 404
    assert api.patch("/events/nope/checklist/fuel", {"done": True}).status_code == 404


def test_a_token_for_another_entity_reads_and_writes_nothing_of_this_one(api):
    api.post("/events", event_body())
    EntityFactory(slug="jada")
    token, _ = token_issue(user_id="cap-1", entity="jada")
    stranger = CrewClient(token)

    assert stranger.get("/events/charter-1").status_code == 404
    assert stranger.get("/events").json() == []
    assert stranger.patch("/events/charter-1/checklist/fuel", {"done": True}).status_code == 404
    assert not ChecklistItem.objects.get(item_id="fuel").done
    # Its own event under the same event_id is its own, not a conflict.
    assert stranger.post("/events", event_body(title="JADA's")).status_code == 201
    assert CrewEvent.objects.count() == 2


def test_times_are_stored_as_instants_whatever_the_offset(api):
    api.post("/events", event_body())
    event = CrewEvent.objects.get()
    assert event.starts_at == dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)
