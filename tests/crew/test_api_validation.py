"""Bad bodies: each gets a clear JSON answer (400, 413, 415 or 422), none a 500, and nothing is
written."""

from __future__ import annotations

import json

import pytest

from crew.models import CrewEvent
from tests.crew.conftest import event_body

pytestmark = pytest.mark.django_db


def _locs(response) -> list[list]:
    return [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"event_id": "x",}',
        b"\xff\xfe\x00garbage",
        b'{"n": ' + b"9" * 5000 + b"}",  # Python's json raises a plain ValueError
        b'{"n": NaN}',
        b'{"n": -Infinity}',
        b"[" * 100_000 + b"]" * 100_000,  # a RecursionError in json
    ],
    ids=["broken", "trailing-comma", "not-utf8", "5000-digits", "nan", "infinity", "deep"],
)
def test_a_body_that_is_not_json_is_a_400(api, raw):
    response = api.post("/events", raw)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "parse" in response.json()["detail"]
    assert not CrewEvent.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(event_body()).encode("utf-16"),  # with its BOM
        json.dumps(event_body()).encode("utf-16-le"),
        json.dumps(event_body()).encode("utf-16-be"),
        json.dumps(event_body()).encode("utf-32"),
        json.dumps(event_body()).encode("utf-32-le"),
        b"\xef\xbb\xbf" + json.dumps(event_body()).encode(),  # UTF-8 with a BOM
        json.dumps(event_body(title="Caf\u00e9"), ensure_ascii=False).encode("latin-1"),
    ],
    ids=["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-8-bom", "latin-1"],
)
def test_a_body_that_is_not_utf8_is_a_400_saying_so(api, raw):
    response = api.post("/events", raw)
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["detail"]
    assert not CrewEvent.objects.exists()
    patched = api.patch("/events/charter-1/checklist/fuel", '{"done": true}'.encode("utf-16"))
    assert patched.status_code == 400


def test_a_utf8_body_with_text_beyond_ascii_is_fine(api):
    raw = json.dumps(event_body(title="Caf\u00e9 \u2693 \U0001f6a2"), ensure_ascii=False)
    assert api.post("/events", raw.encode()).status_code == 201
    assert CrewEvent.objects.get().title == "Caf\u00e9 \u2693 \U0001f6a2"


def test_a_schema_violation_is_a_422_naming_each_bad_field(api):
    body = event_body(title=5, time_zone="Mars/Olympus")
    body["participants"][1]["role"] = "stowaway"
    body["checklist"][0]["due_at"] = 1764950400
    response = api.post("/events", body)

    assert response.status_code == 422
    assert _locs(response) == [
        ["body", "payload", "title"],
        ["body", "payload", "time_zone"],
        ["body", "payload", "participants", 1, "role"],
        ["body", "payload", "checklist", 0, "due_at"],
    ]
    assert not CrewEvent.objects.exists()


@pytest.mark.parametrize("field", ["event_id", "title", "starts_at", "ends_at", "time_zone"])
def test_a_missing_required_field_is_named(api, field):
    body = event_body()
    del body[field]
    response = api.post("/events", body)
    assert response.status_code == 422
    assert ["body", "payload", field] in _locs(response)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("title",), 5),
        (("event_id",), 12),
        (("participants", 0, "name"), ["Cora"]),
        (("checklist", 0, "label"), None),
        (("participants",), {"0": {}}),
    ],
)
def test_types_are_strict_and_nothing_is_coerced(api, path, value):
    body = event_body()
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = api.post("/events", body)
    assert response.status_code == 422
    assert ["body", "payload", *path] == _locs(response)[0][: len(path) + 2]


def test_a_string_where_a_boolean_belongs_is_refused(api):
    api.post("/events", event_body())
    for value in ("true", 1, None):
        response = api.patch("/events/charter-1/checklist/fuel", {"done": value})
        assert response.status_code == 422
        assert _locs(response) == [["body", "payload", "done"]]


def test_unknown_fields_are_refused_at_every_level(api):
    body = event_body(colour="blue")
    body["participants"][0]["is_admin"] = True
    body["checklist"][0]["done"] = True
    response = api.post("/events", body)
    assert response.status_code == 422
    assert _locs(response) == [
        ["body", "payload", "participants", 0, "is_admin"],
        ["body", "payload", "checklist", 0, "done"],
        ["body", "payload", "colour"],
    ]


@pytest.mark.parametrize(
    "value",
    ["2026-12-05T08:00:00", "2026-12-05", "tomorrow", "1764950400", 1764950400, 1.5e9,
     "2026-13-05T08:00:00Z", "x" * 5000],
)  # fmt: skip
def test_times_must_be_iso_8601_with_an_offset(api, value):
    response = api.post("/events", event_body(starts_at=value))
    assert response.status_code == 422
    assert ["body", "payload", "starts_at"] in _locs(response)


@pytest.mark.parametrize("value", ["2026-12-05T13:30:00+05:30:17", "2026-12-05T08:00:00-08:00:00.5",
                                   "2026-12-05T16:00:00+00:00:01"])  # fmt: skip
def test_an_offset_must_be_whole_minutes(api, value):
    body = event_body(starts_at=value)
    body["checklist"][0]["due_at"] = value
    response = api.post("/events", body)
    assert response.status_code == 422
    assert _locs(response) == [["body", "payload", "starts_at"],
                               ["body", "payload", "checklist", 0, "due_at"]]  # fmt: skip
    assert "whole minutes" in response.json()["detail"][0]["msg"]
    listed = api.get("/events", **{"from": value})
    assert listed.status_code == 422 and _locs(listed) == [["query", "from"]]


def test_an_offset_of_whole_minutes_with_zero_seconds_is_fine(api):
    body = event_body(starts_at="2026-12-05T13:30:00+05:30:00", ends_at="2026-12-05T20:00:00Z")
    assert api.post("/events", body).status_code == 201


@pytest.mark.parametrize(
    "value",
    [" ", "   ", "\t\n", "\u00a0", "\u3000", "\u200b", " \u200b\u2060 "],
    ids=["space", "spaces", "tab-newline", "nbsp", "ideographic", "zero-width", "mixed"],
)
@pytest.mark.parametrize("path", [("title",), ("participants", 0, "name"),
                                  ("checklist", 1, "label")])  # fmt: skip
def test_text_must_not_be_blank(api, path, value):
    response = api.post("/events", _with(event_body(), path, value))
    assert response.status_code == 422
    assert _locs(response) == [["body", "payload", *path]]
    assert "blank" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
                                     "\u2067", "\u2068", "\u2069", "\u200e", "\u200f",
                                     "\u061c"])  # fmt: skip
@pytest.mark.parametrize("path", [("title",), ("participants", 0, "name"),
                                  ("checklist", 1, "label")])  # fmt: skip
def test_text_must_not_hold_bidi_controls(api, path, control):
    response = api.post("/events", _with(event_body(), path, f"{control}evil"))
    assert response.status_code == 422
    assert _locs(response) == [["body", "payload", *path]]
    assert "bidirectional control" in response.json()["detail"][0]["msg"]
    assert not CrewEvent.objects.exists()


def test_right_to_left_text_itself_is_fine(api):
    hebrew = "\u05e9\u05dc\u05d5\u05dd Sunset"
    assert api.post("/events", event_body(title=hebrew)).status_code == 201


def _with(body: dict, path: tuple, value: object) -> dict:
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize("ends_at", ["2026-12-05T08:00:00-08:00", "2026-12-05T07:00:00-08:00"])
def test_ends_at_must_be_after_starts_at(api, ends_at):
    response = api.post("/events", event_body(ends_at=ends_at))
    assert response.status_code == 422
    assert "ends_at must be after starts_at" in response.json()["detail"][0]["msg"]


def test_a_checklist_item_must_be_assigned_to_a_participant(api):
    body = event_body()
    body["checklist"][0]["assignee"] = "ghost"
    response = api.post("/events", body)
    assert response.status_code == 422
    assert "checklist[0].assignee" in response.json()["detail"][0]["msg"]


def test_ids_appear_once(api):
    body = event_body()
    body["checklist"][1]["item_id"] = "fuel"
    assert "item_id may appear once" in api.post("/events", body).json()["detail"][0]["msg"]


def test_rules_that_join_fields_name_their_field_and_come_with_every_other_error(api):
    body = event_body(title="", ends_at="2026-12-05T07:00:00-08:00")
    body["checklist"][0]["assignee"] = "ghost"
    body["checklist"][2]["assignee"] = "nobody"
    response = api.post("/events", body)

    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert set(errors) == {("body", "payload", "title"), ("body", "payload", "ends_at"),
                           ("body", "payload", "checklist")}  # fmt: skip
    assert "ends_at must be after starts_at" in errors[("body", "payload", "ends_at")]
    assert ("checklist[0].assignee 'ghost', checklist[2].assignee 'nobody': not a participant"
            in errors[("body", "payload", "checklist")])  # fmt: skip


def _participants(n: int) -> list[dict]:
    return [{"user_id": f"u{i}", "name": f"P {i}", "email": f"p{i}@example.com", "role": "crew"}
            for i in range(n)]  # fmt: skip


def test_at_most_100_participants_and_200_checklist_items(api):
    people = _participants(101)
    assert api.post("/events", event_body(participants=people, checklist=[])).status_code == 422
    items = [{"item_id": f"i{i}", "label": "x", "assignee": "u0"} for i in range(201)]
    too_many = api.post("/events", event_body(participants=people[:1], checklist=items))
    assert _locs(too_many) == [["body", "payload", "checklist"]]
    at_limit = api.post("/events", event_body(participants=people[:100], checklist=items[:200]))
    assert at_limit.status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "x" * 501), ("title", "Sunset\x00charter"), ("title", ""),
     ("event_id", "has/slash"), ("event_id", "a" * 101)],
)  # fmt: skip
def test_strings_are_at_most_500_characters_without_nul(api, field, value):
    response = api.post("/events", event_body(**{field: value}))
    assert response.status_code == 422
    assert ["body", "payload", field] in _locs(response)


def test_a_500_character_title_is_kept_whole(api):
    assert api.post("/events", event_body(title="é" * 500)).status_code == 201
    assert CrewEvent.objects.get().title == "é" * 500


def test_an_invalid_email_is_refused(api):
    body = event_body()
    body["participants"][0]["email"] = "not an email"
    assert _locs(api.post("/events", body)) == [["body", "payload", "participants", 0, "email"]]


@pytest.mark.parametrize("body", [[], "a string", 5, None])
def test_a_body_that_is_not_an_object_is_a_422(api, body):
    assert api.post("/events", json.dumps(body)).status_code == 422


def test_an_empty_body_is_a_422(api):
    assert api.post("/events", b"").status_code == 422


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
     "application/json; charset=latin-1", "application/jsonp"],
)  # fmt: skip
def test_a_body_that_is_not_application_json_is_a_415(api, content_type):
    response = api.post("/events", json.dumps(event_body()), content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    assert not CrewEvent.objects.exists()


def test_json_with_a_utf8_charset_is_fine(api):
    response = api.post("/events", json.dumps(event_body()),
                        content_type="application/json; charset=utf-8")  # fmt: skip
    assert response.status_code == 201


@pytest.mark.parametrize("size", [256 * 1024 + 1, 3 * 1024 * 1024])
def test_a_body_over_256_kb_is_a_413(api, size):
    # 3 MB is past Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which would answer 400 by itself.
    body = json.dumps(event_body(title="x")).encode()
    body = body[:-1] + b', "pad": "' + b"p" * (size - len(body) - 10) + b'"}'
    assert len(body) >= size - 1
    response = api.post("/events", body)
    assert response.status_code == 413
    assert "256 KB" in response.json()["detail"]


def test_a_patch_is_checked_like_a_post(api):
    api.post("/events", event_body())
    assert api.patch("/events/charter-1/checklist/fuel", "done", content_type="text/plain"
                     ).status_code == 415  # fmt: skip
    assert api.patch("/events/charter-1/checklist/fuel", b"{done: yes}").status_code == 400
    assert api.patch("/events/charter-1/checklist/fuel", {"done": True, "by": "x"}
                     ).status_code == 422  # fmt: skip
