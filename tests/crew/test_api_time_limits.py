"""Times at the edge of the calendar: every time the API takes must lie within its years once
in UTC, with an offset a time zone could have, or the request is a 422 naming the field — never
a 500 from an overflow in Python or an offset PostgreSQL will not store."""

from __future__ import annotations

import pytest

from crew.models import CrewEvent
from tests.crew.conftest import event_body

pytestmark = pytest.mark.django_db

# Each is a valid ISO-8601 time with an offset, but lies past the accepted years in UTC, and
# most past what Python's datetime can hold at all once converted.
EXTREMES = [
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:00:00-14:00",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "3000-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "2999-12-31T23:59:59-00:01",
    # In the years, but with offsets no time zone has: PostgreSQL refuses past ±15:59.
    "2026-12-05T08:00:00+14:01",
    "2026-12-05T08:00:00-14:01",
    "2026-12-05T08:00:00+21:18",
    "2026-12-05T08:00:00-23:59",
]


def _locs(response) -> list[list]:
    return [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_an_event_time_past_the_years_is_a_422(api, field, value):
    response = api.post("/events", event_body(**{field: value}))
    assert response.status_code == 422, response.content
    assert _locs(response) == [["body", "payload", field]]
    assert "1900-01-01T00:00:00Z" in response.json()["detail"][0]["msg"]
    assert not CrewEvent.objects.exists()


@pytest.mark.parametrize("value", EXTREMES)
def test_a_due_time_past_the_years_is_a_422(api, value):
    body = event_body()
    body["checklist"][2]["due_at"] = value
    response = api.post("/events", body)
    assert response.status_code == 422, response.content
    assert _locs(response) == [["body", "payload", "checklist", 2, "due_at"]]
    assert not CrewEvent.objects.exists()


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("param", ["from", "to"])
def test_a_list_bound_past_the_years_is_a_422(api, param, value):
    response = api.get("/events", **{param: value})
    assert response.status_code == 422, response.content
    assert _locs(response) == [["query", param]]


def test_both_bad_bounds_are_named(api):
    response = api.get("/events", **{"from": EXTREMES[0], "to": EXTREMES[2]})
    assert response.status_code == 422
    assert _locs(response) == [["query", "from"], ["query", "to"]]


def test_the_widest_offsets_are_taken(api):
    body = event_body(starts_at="2026-12-05T08:00:00+14:00", ends_at="2026-12-05T08:00:00-14:00")
    body["checklist"][2]["due_at"] = "2026-12-04T23:00:00-12:00"
    assert api.post("/events", body).status_code == 201
    listed = api.get("/events", **{"from": "2026-12-05T00:00:00+14:00",
                                   "to": "2026-12-05T00:00:00-14:00"})  # fmt: skip
    assert [e["starts_at"] for e in listed.json()] == ["2026-12-04T18:00:00Z"]


def test_the_first_and_last_moments_of_the_years_are_taken(api):
    first, last = "1900-01-01T00:00:00Z", "2999-12-31T23:59:59.999999Z"
    body = event_body(starts_at=first, ends_at=last)
    body["checklist"][2]["due_at"] = "2999-12-31T15:59:59-08:00"
    assert api.post("/events", body).status_code == 201
    listed = api.get("/events", **{"from": first, "to": "3000-01-01T13:59:59+14:00"})
    assert listed.status_code == 200 and len(listed.json()) == 1
