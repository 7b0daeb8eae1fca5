"""Every answer under /api/crew/ is JSON with the right status, whatever the path or method:
no Django HTML page (a 404, a 405, a failed CSRF check) and no 5xx."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.crew.conftest import event_body

pytestmark = pytest.mark.django_db

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW"]
PATHS = [
    "/api/crew/", "/api/crew/events", "/api/crew/events/", "/api/crew/events/charter-1",
    "/api/crew/events/charter-1/checklist/fuel", "/api/crew/events/a%2Fb", "/api/crew/nothing",
    "/api/crew/nothing/", "/api/crew/events/charter-1/checklist", "/api/crew/openapi.json",
    "/api/crew/docs", "/api/crew/%0A", "/api/crew/docs/x",
]  # fmt: skip


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.json()


def test_a_method_an_operation_does_not_take_is_a_json_405_with_allow(api):
    api.post("/events", event_body())
    response = api.client.put("/api/crew/events/charter-1/checklist/fuel", b"{}",
                              content_type="application/json", headers=api.headers())  # fmt: skip
    assert response.status_code == 405
    assert response["Allow"] == "PATCH"
    assert "PUT not allowed" in _json(response)["detail"]


def test_a_path_the_api_does_not_have_is_a_json_404(api):
    for path in ("/api/crew/nothing", "/api/crew/", "/api/crew/events/a%2Fb/c"):
        response = api.client.get(path, headers=api.headers())
        assert response.status_code == 404, path
        assert _json(response) == {"detail": "Not found."}


def test_a_post_to_an_unknown_path_is_a_json_404_not_a_csrf_page(qos):
    response = Client(enforce_csrf_checks=True).post("/api/crew/nothing", {"a": "b"})
    assert response.status_code == 404
    assert _json(response) == {"detail": "Not found."}


def test_the_schema_and_its_page_are_read_only(qos):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/api/crew/openapi.json").status_code == 200
    assert client.get("/api/crew/docs")["Content-Type"].startswith("text/html")  # a page
    for path in ("/api/crew/openapi.json", "/api/crew/docs"):
        response = client.post(path, b"{}", content_type="application/json")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        assert "POST not allowed" in _json(response)["detail"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("signed_in", [True, False], ids=["token", "no-token"])
def test_no_method_or_path_is_answered_in_html_or_with_a_5xx(api, method, path, signed_in):
    api.post("/events", event_body())
    client = Client(enforce_csrf_checks=True)
    headers = api.headers() if signed_in else {}
    response = client.generic(method, path, b'{"done": true}', content_type="application/json",
                              headers=headers)  # fmt: skip
    assert response.status_code < 500, response.content[:300]
    if path == "/api/crew/docs" and method in {"GET", "HEAD"}:
        return  # the interactive page, the one HTML answer
    if method != "HEAD":
        _json(response)
    else:
        assert response["Content-Type"].startswith("application/json")
    if response.status_code == 405:
        assert response["Allow"]
