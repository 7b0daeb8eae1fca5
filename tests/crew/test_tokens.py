"""Crew token keys and their start-up checks; verification on its own, without the database."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from crew.tokens import TokenInvalid, keyring_parse, token_issue, token_verify

STRONG = secrets.token_urlsafe(64)


def test_the_keyring_holds_the_current_key_and_the_retired_ones():
    keys = keyring_parse(current_kid="3", current_secret="c" * 32,
                         retired=" 2:" + "b" * 32 + ", 1:" + "a" * 40 + ",")  # fmt: skip
    assert keys == {"3": "c" * 32, "2": "b" * 32, "1": "a" * 40}


@pytest.mark.parametrize(
    ("retired", "message"),
    [("no-colon", "kid:secret"), (":" + "a" * 40, "kid:secret"), ("2:", "kid:secret"),
     ("3:" + "a" * 40, "appears twice"), ("2:short", "shorter than 32 bytes")],
)  # fmt: skip
def test_a_malformed_retired_key_is_refused(retired, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        keyring_parse(current_kid="3", current_secret="c" * 32, retired=retired)


def test_start_up_stops_on_a_malformed_crew_jwt_secrets(run_manage):
    result = run_manage("check", env={"CREW_JWT_SECRETS": "old:tooshort"})
    assert result.returncode != 0
    assert "shorter than 32 bytes" in result.stderr
    assert "tooshort" not in result.stderr


@pytest.mark.parametrize("secret", [None, "short-crew-secret"])
def test_production_refuses_a_missing_or_short_crew_secret(run_manage, secret):
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": STRONG}
    if secret:
        env["CREW_JWT_SECRET"] = secret
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "CREW_JWT_SECRET is missing or shorter than 32 characters" in result.stderr


def test_verification_returns_the_claims_it_was_issued_with(settings):
    token, issued = token_issue(user_id="u-7", entity="qos", role="owner")
    assert token_verify(token=token) == issued


@pytest.mark.parametrize("token", ["", "x" * 5000, "a.b.c", "W10.W10.W10", "bnVsbA.bnVsbA.x"])
def test_anything_malformed_is_token_invalid_and_nothing_else(token):
    # W10 is "[]" and bnVsbA is "null": headers that are JSON but not objects.
    with pytest.raises(TokenInvalid):
        token_verify(token=token)


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"role": "admiral"}, "role"), ({"ttl": dt.timedelta(0)}, "ttl")]
)
def test_issuing_refuses_a_bad_role_or_ttl(kwargs, message):
    with pytest.raises(ValueError, match=message):
        token_issue(user_id="u", entity="qos", **kwargs)
