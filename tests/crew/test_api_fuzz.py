"""No input of any shape yields a 5xx: bodies generated from the API's own OpenAPI schema,
the same with fields broken, arbitrary JSON and bytes, odd ids, query
strings and Authorization headers."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crew.api import api as crew_api
from tests.crew.schema_strategies import from_openapi, iso_datetimes

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=120,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)  # fmt: skip
OPENAPI = crew_api.get_openapi_schema(path_prefix="/api/crew/")


def _bodies(path: str, method: str) -> st.SearchStrategy:
    ref = OPENAPI["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return from_openapi(ref, OPENAPI["components"]["schemas"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=20,
)  # fmt: skip
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "",
                 "application/json; charset=utf-16"]  # fmt: skip
event_bodies = _bodies("/api/crew/events", "post")


@st.composite
def broken_event_bodies(draw) -> dict:
    """A schema-valid body with one field replaced by anything at all."""
    body = draw(event_bodies)
    key = draw(st.sampled_from(sorted(body)))
    body[key] = draw(json_values)
    return body


def _ok(response) -> None:
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json")


@FUZZ
@given(body=st.one_of(event_bodies, broken_event_bodies(), json_values))
def test_no_event_body_yields_a_5xx(api, body):
    response = api.post("/events", body)
    _ok(response)
    assert response.status_code in {200, 201, 400, 409, 422}  # 400: Infinity is not JSON


@FUZZ
@given(raw=st.binary(max_size=300), content_type=st.sampled_from(CONTENT_TYPES))
def test_no_bytes_yield_a_5xx(api, raw, content_type):
    _ok(api.post("/events", raw, content_type=content_type))


@FUZZ
@given(body=st.one_of(_bodies("/api/crew/events/{event_id}/checklist/{item_id}", "patch"),
                      json_values),
       event_id=st.text(max_size=120), item_id=st.text(max_size=120))  # fmt: skip
def test_no_checklist_update_yields_a_5xx(api, body, event_id, item_id):
    api.post("/events", {"event_id": "e", "title": "t", "starts_at": "2026-12-05T08:00:00Z",
                         "ends_at": "2026-12-05T09:00:00Z", "time_zone": "UTC"})  # fmt: skip
    path = f"/events/{_url(event_id)}/checklist/{_url(item_id)}"
    _ok(api.patch(path, json.dumps(body)))


bounds = st.one_of(st.text(max_size=60), iso_datetimes)


@FUZZ
@given(start=bounds, end=bounds, event_id=st.text(max_size=200))
def test_no_query_or_id_yields_a_5xx(api, start, end, event_id):
    _ok(api.get("/events", **{"from": start, "to": end}))
    _ok(api.get(f"/events/{_url(event_id)}"))


@FUZZ
@given(header=st.one_of(st.text(max_size=300), st.text(max_size=300).map("Bearer {}".format),
                        st.binary(max_size=200).map(lambda b: "Bearer " + b.hex())))  # fmt: skip
def test_no_authorization_header_yields_a_5xx(qos, header):
    response = Client().get("/api/crew/events", headers={"Authorization": header})
    assert response.status_code == 401


def _url(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
