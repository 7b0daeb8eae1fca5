"""Bearer tokens: every way a token can be wrong is a 401 with a Bearer challenge, never a 500."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time

import jwt
import pytest
from django.core.management import call_command

from crew.models import CrewEvent
from crew.services import token_revoke
from crew.tokens import AUDIENCE, ISSUER, REQUIRED_CLAIMS, token_issue
from tests.crew.conftest import CrewClient, event_body

pytestmark = pytest.mark.django_db

SECRET = "s" * 40


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.CREW_JWT_SECRET = SECRET
    settings.CREW_JWT_KID = "2026-12"
    settings.CREW_JWT_SECRETS = "2026-06:" + "o" * 40


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "cap-1", "entity": "qos", "role": "captain",
              "jti": "j-1", "iat": now, "nbf": now, "exp": now + 600}  # fmt: skip
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict | None = None, *, key: str = SECRET, alg: str = "HS256", **header) -> str:
    headers = {"typ": "crew+jwt", "kid": "2026-12", **header}
    headers = {k: v for k, v in headers.items() if v is not None}
    return jwt.encode(claims or _claims(), key, algorithm=alg, headers=headers)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _refused(response, *, presented: bool = True) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert ('error="invalid_token"' in response["WWW-Authenticate"]) is presented
    assert response.json() == {"detail": "A valid crew bearer token is required."}


def _get(header: str | None):
    client = CrewClient(None)
    headers = {"Authorization": header} if header is not None else {}
    return client.client.get("/api/crew/events", headers=headers)


def test_a_good_token_is_accepted(qos):
    assert _get(f"Bearer {_token()}").status_code == 200


def test_no_token_is_a_401_with_a_bearer_challenge(qos):
    _refused(_get(None), presented=False)


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc", "bearer", "Bearer",
                                    "Bearer ", "Bearer    ", "", "Bearer a.b", "Bearer ...",
                                    "Bearer not-a-jwt", "Bearer a.b.c.d",
                                    "Bearer eyJ.eyJ.sig"])  # fmt: skip
def test_another_scheme_or_an_empty_or_malformed_token_is_a_401(qos, header):
    response = _get(header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_alg_none_is_refused(qos):
    unsigned = f"{_b64({'alg': 'none', 'typ': 'crew+jwt', 'kid': '2026-12'})}.{_b64(_claims())}."
    _refused(_get(f"Bearer {unsigned}"))


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_any_other_algorithm_is_refused_even_with_the_right_key(qos, alg):
    _refused(_get(f"Bearer {_token(alg=alg, key=SECRET * 2)}"))


def test_a_bad_signature_is_refused(qos):
    good = _token()
    _refused(_get(f"Bearer {good[:-4]}AAAA"))
    _refused(_get(f"Bearer {_token(key='x' * 40)}"))


def test_an_expired_token_is_refused_past_the_leeway(qos):
    now = int(time.time())
    _refused(_get(f"Bearer {_token(_claims(iat=now - 900, nbf=now - 900, exp=now - 60))}"))
    within_leeway = _token(_claims(iat=now - 900, nbf=now - 900, exp=now - 5))
    assert _get(f"Bearer {within_leeway}").status_code == 200


def test_a_token_not_yet_valid_is_refused(qos):
    later = int(time.time()) + 3600
    _refused(_get(f"Bearer {_token(_claims(nbf=later))}"))
    _refused(_get(f"Bearer {_token(_claims(iat=later, nbf=None))}"))


@pytest.mark.parametrize(
    "claims",
    [{"iss": "someone-else"}, {"aud": "another-api"}, {"aud": [AUDIENCE, "another-api"]}],
)
def test_a_wrong_issuer_or_audience_is_refused(qos, claims):
    _refused(_get(f"Bearer {_token(_claims(**claims))}"))


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_a_missing_claim_is_refused(qos, claim):
    _refused(_get(f"Bearer {_token(_claims(**{claim: None}))}"))


@pytest.mark.parametrize(
    "claims",
    [{"sub": 42}, {"entity": ["qos"]}, {"jti": ""}, {"role": "admiral"}, {"exp": "soon"},
     {"sub": "x" * 101}],
)  # fmt: skip
def test_claims_of_the_wrong_type_are_refused(qos, claims):
    _refused(_get(f"Bearer {_token(_claims(**claims))}"))


@pytest.mark.parametrize("typ", ["JWT", None, "at+jwt"])
def test_a_header_without_our_typ_is_refused(qos, typ):
    _refused(_get(f"Bearer {_token(typ=typ)}"))


@pytest.mark.parametrize("kid", ["1999-01", None, "", "../../etc/passwd"])
def test_an_unknown_or_missing_kid_is_refused(qos, kid):
    _refused(_get(f"Bearer {_token(kid=kid)}"))


def test_an_oversized_token_is_refused_before_parsing(qos):
    _refused(_get(f"Bearer {_token(_claims(pad='x' * 5000))}"))


def test_a_token_for_an_entity_that_does_not_exist_is_refused(qos):
    _refused(_get(f"Bearer {_token(_claims(entity='nowhere'))}"))


def test_the_current_key_signs_and_a_retired_key_still_verifies(qos, settings):
    token, _ = token_issue(user_id="cap-1", entity="qos")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "crew+jwt",
                                                "kid": "2026-12"}  # fmt: skip
    retired = _token(key="o" * 40, kid="2026-06")
    assert _get(f"Bearer {retired}").status_code == 200
    # Removed from CREW_JWT_SECRETS: no longer accepted.
    settings.CREW_JWT_SECRETS = ""
    _refused(_get(f"Bearer {retired}"))
    assert _get(f"Bearer {token}").status_code == 200


def test_a_revoked_jti_is_refused(qos):
    token, claims = token_issue(user_id="cap-1", entity="qos")
    assert _get(f"Bearer {token}").status_code == 200
    token_revoke(jti=claims.jti, reason="phone lost")
    _refused(_get(f"Bearer {token}"))


def test_a_refused_token_writes_nothing(qos):
    client = CrewClient(_token(_claims(exp=int(time.time()) - 3600)))
    assert client.post("/events", event_body()).status_code == 401
    assert not CrewEvent.objects.exists()


def test_logs_name_the_jti_and_subject_never_the_token(qos, caplog, settings):
    settings.DEBUG = True  # where ninja's own bearer class would log the header
    caplog.set_level(logging.DEBUG)
    token, claims = token_issue(user_id="cap-1", entity="qos")
    CrewClient(token).post("/events", event_body())
    token_revoke(jti=claims.jti)
    _get(f"Bearer {token}")
    _get(f"Basic {token}")
    _get(f"Bearer {_token(key='x' * 40)}")

    assert f"jti={claims.jti}" in caplog.text and "sub=cap-1" in caplog.text
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text
    assert SECRET not in caplog.text


def test_issue_crew_token_prints_a_token_the_api_accepts(qos, capsys):
    call_command("issue_crew_token", "--user-id", "cap-1", "--entity", "qos", "--ttl", "120",
                 "--role", "captain")  # fmt: skip
    out, err = capsys.readouterr()
    token = out.strip()
    assert _get(f"Bearer {token}").status_code == 200
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE)
    assert claims["role"] == "captain" and claims["exp"] - claims["iat"] == 120
    assert claims["jti"] in err and token not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--entity", "nowhere"], "No entity"), (["--ttl", "0"], "positive")],
)
def test_issue_crew_token_explains_bad_arguments(qos, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("issue_crew_token", "--user-id", "u", "--entity", "qos", *args)


def test_tokens_issued_expire_after_their_ttl(qos, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), tick=False)
    token, _ = token_issue(user_id="cap-1", entity="qos", ttl=dt.timedelta(minutes=10))
    assert _get(f"Bearer {token}").status_code == 200
    time_machine.move_to(dt.datetime(2026, 12, 1, 12, 11, tzinfo=dt.UTC), tick=False)
    _refused(_get(f"Bearer {token}"))
