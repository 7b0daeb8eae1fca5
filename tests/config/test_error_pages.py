"""What a person sees when something is refused or missing: our page, plainly, never a trace."""

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import path

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def broken(request: HttpRequest):
    raise RuntimeError("/srv/secret/path went wrong")


urlpatterns = [path("broken/", broken)]


def test_a_form_posted_without_its_csrf_token_gets_a_clear_page_and_changes_nothing():
    user = UserFactory(username="olive")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/logout/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "That form had expired" in body and "Nothing was changed" in body
    assert "<style" not in body  # the site's stylesheet, not Django's inline one
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert client.get("/").status_code == 200  # still signed in: the logout did not happen


def test_a_sign_in_without_its_csrf_token_is_refused_with_the_same_page():
    UserFactory(username="olive")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "olive", "password": "correct-horse-battery"})
    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_missing_page_is_our_page_with_the_policy(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "There is no page here" in response.content.decode()
    assert "Content-Security-Policy" in response


def test_an_error_shows_no_trace_nor_path(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "/srv/secret" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize(
    "username",
    ["x" * 300, "olive\x00", "\x00", "ünï🙂" * 40],
    ids=["too-long", "nul-inside", "only-nul", "wide-characters"],
)
@pytest.mark.parametrize("page", ["/login/", "/admin/login/"])
def test_a_sign_in_with_a_strange_user_name_is_an_error_on_the_form_never_a_500(
    client, username, page
):
    response = client.post(page, {"username": username, "password": "x"},
                           HTTP_USER_AGENT="agent " * 100)  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body or "errornote" in body
