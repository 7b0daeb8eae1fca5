"""Sessions are read from the cache: a page does not query the database for its session."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_reads_its_session_from_the_cache(client):
    user = UserFactory(password="pw-for-the-test")
    # Through the sign-in form, as a person does (django-axes needs the request).
    signed_in = client.post("/login/", {"username": user.username, "password": "pw-for-the-test"})
    assert signed_in.status_code == 302
    client.get("/reports/")  # the session is in the cache from here on
    with CaptureQueriesContext(connection) as seen:
        assert client.get("/reports/").status_code == 200
    assert not [q for q in seen.captured_queries if "django_session" in q["sql"]]


def test_signing_out_ends_the_session_in_the_cache_too(client):
    user = UserFactory(password="pw-for-the-test")
    # Through the sign-in form, as a person does (django-axes needs the request).
    signed_in = client.post("/login/", {"username": user.username, "password": "pw-for-the-test"})
    assert signed_in.status_code == 302
    assert client.get("/reports/").status_code == 200
    key = client.session.session_key
    client.post("/logout/")
    from django.contrib.sessions.backends.cached_db import SessionStore

    assert not SessionStore(session_key=key).exists(key)
    client.cookies["sessionid"] = key  # the old cookie, replayed
    assert client.get("/reports/").status_code == 302
