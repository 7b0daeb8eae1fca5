"""Sign-in is throttled (django-axes) on /login/ and /admin/login/ alike."""

import logging

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # the factories' password
PAGES = [pytest.param("/login/", id="site"), pytest.param("/admin/login/", id="admin")]


def sign_in(client, page, username, password, address="192.0.2.10"):
    return client.post(page, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("page", PAGES)
def test_five_wrong_passwords_then_the_right_one_is_refused_with_a_clear_message(client, page):
    UserFactory(username="olive", is_staff=True)
    for _ in range(4):
        assert sign_in(client, page, "olive", "wrong").status_code == 200  # the form again
    fifth = sign_in(client, page, "olive", "wrong")
    assert fifth.status_code == 429

    refused = sign_in(client, page, "olive", PASSWORD)

    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many failed sign-ins" in body
    assert "paused for 15 minutes" in body
    assert "Traceback" not in body
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("page", PAGES)
def test_another_user_name_from_another_address_is_not_locked(client, page):
    UserFactory(username="olive", is_staff=True)
    UserFactory(username="sam", is_staff=True)
    for _ in range(5):
        sign_in(client, page, "olive", "wrong", address="192.0.2.10")

    signed_in = sign_in(client, page, "sam", PASSWORD, address="198.51.100.7")

    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(UserFactory(username="sam").pk)


def test_the_locked_user_name_is_refused_from_another_address_too(client):
    UserFactory(username="olive")
    for _ in range(5):
        sign_in(client, "/login/", "olive", "wrong", address="192.0.2.10")
    assert sign_in(client, "/login/", "olive", PASSWORD, address="198.51.100.7").status_code == 429


def test_the_locked_address_is_refused_for_another_user_name_too(client):
    UserFactory(username="sam")
    for name in ["a", "b", "c", "d", "e"]:
        sign_in(client, "/login/", name, "wrong", address="192.0.2.10")
    assert sign_in(client, "/login/", "sam", PASSWORD, address="192.0.2.10").status_code == 429


def test_four_mistakes_then_the_right_password_signs_in(client):
    UserFactory(username="olive")
    for _ in range(4):
        sign_in(client, "/login/", "olive", "wrong")
    assert sign_in(client, "/login/", "olive", PASSWORD).status_code == 302


def test_signing_in_as_oneself_does_not_wipe_the_count_against_another_name(client):
    UserFactory(username="ceo")
    UserFactory(username="mallory")
    for _ in range(4):
        sign_in(client, "/login/", "ceo", "guess", address="192.0.2.66")
    assert sign_in(client, "/login/", "mallory", PASSWORD, address="192.0.2.66").status_code == 302
    client.post("/logout/")
    # One more guess from elsewhere is the fifth: the name is locked, whatever mallory did.
    assert sign_in(client, "/login/", "ceo", "guess", address="198.51.100.9").status_code == 429


def test_a_lockout_writes_a_log_line_naming_the_user_name_address_and_page(client, caplog):
    UserFactory(username="olive")
    with caplog.at_level(logging.WARNING, logger="config.signin"):
        for _ in range(5):
            sign_in(client, "/admin/login/", "olive", "wrong", address="203.0.113.5")
    lines = [r.getMessage() for r in caplog.records if r.name == "config.signin"]
    assert lines == [
        "sign-in locked for 15 minutes after 5 failures: user name 'olive', "
        "address 203.0.113.5, on /admin/login/"
    ]


def test_the_cool_off_ends_the_lockout(client, settings):
    import datetime as dt

    import time_machine

    UserFactory(username="olive")
    for _ in range(5):
        sign_in(client, "/login/", "olive", "wrong")
    assert sign_in(client, "/login/", "olive", PASSWORD).status_code == 429
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        assert sign_in(client, "/login/", "olive", PASSWORD).status_code == 302


def test_axes_reset_lifts_a_lockout(client):
    from django.core.management import call_command

    UserFactory(username="olive")
    for _ in range(5):
        sign_in(client, "/login/", "olive", "wrong")
    call_command("axes_reset_username", "olive")
    assert sign_in(client, "/login/", "olive", PASSWORD, address="198.51.100.7").status_code == 302


def test_the_sign_in_form_still_shows_its_own_message_for_a_wrong_password(client):
    UserFactory(username="olive")
    response = sign_in(client, reverse("login"), "olive", "wrong")
    assert "do not match" in response.content.decode()


ADDRESS_OF = (
    "from django.test import RequestFactory; from axes.helpers import get_client_ip_address; "
    "r = RequestFactory().post('/login/', REMOTE_ADDR='10.0.0.2', "
    "HTTP_X_FORWARDED_FOR='{forwarded}'); print(get_client_ip_address(r))"
)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        # Straight on the internet: the header is the client's own words, never believed.
        ("0", "203.0.113.9", "10.0.0.2"),
        # One proxy: the address it appended, whatever the client put before it.
        ("1", "203.0.113.9", "203.0.113.9"),
        ("1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        # Two (a CDN, then ours): the client is the CDN's entry, second from the right.
        ("2", "6.6.6.6, 203.0.113.9, 198.51.100.1", "203.0.113.9"),
    ],
)
def test_the_client_address_comes_from_the_trusted_proxies_only(
    run_manage, proxies, forwarded, address
):
    result = run_manage(
        "shell", "--no-imports", "-c", ADDRESS_OF.format(forwarded=forwarded),
        env={"DJANGO_TRUSTED_PROXY_COUNT": proxies},
    )
    assert result.stdout.strip().splitlines()[-1] == address, result.stderr


def test_a_limit_that_is_not_a_number_stops_start_up_naming_the_variable(run_manage):
    result = run_manage("check", env={"LOGIN_FAILURE_LIMIT": "five"})
    assert result.returncode != 0
    assert "LOGIN_FAILURE_LIMIT='five' is not a whole number" in result.stderr
