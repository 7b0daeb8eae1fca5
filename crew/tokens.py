"""Crew API bearer tokens: HS256 JWTs with a header and claims of our own, checked strictly.

PyJWT checks `exp`/`nbf`/`iat` only when present and never looks at `typ`, so every claim we
rely on is required, the issuer and audience are passed, the algorithm is pinned, and the
header's `typ` and `kid` are checked here before the signature. Nothing in this module logs or
returns a token's text in an error: callers log the `jti` and `sub`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from jwt.utils import base64url_decode

ALGORITHM = "HS256"
TOKEN_TYPE = "crew+jwt"  # not "JWT": a token minted for something else is not one of ours
ISSUER = "quarterdeck"
AUDIENCE = "quarterdeck:crew-api"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti", "entity"]
ROLES = ("captain", "crew", "owner")
LEEWAY = dt.timedelta(seconds=30)  # clocks of phones and servers disagree a little
MAX_TOKEN_LENGTH = 2048  # ours are ~350 bytes; a longer one is refused before any parsing
MIN_SECRET_LENGTH = 32


class TokenInvalid(Exception):
    """Any reason a presented token is refused; the message is safe to log (no token text)."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    sub: str
    entity: str
    jti: str
    role: str
    expires_at: dt.datetime


def keyring_parse(*, current_kid: str, current_secret: str, retired: str) -> dict[str, str]:
    """kid -> secret: the current key and the retired ones ("kid:secret,kid:secret") that
    still verify. Raises ImproperlyConfigured on a malformed entry, a clash or a short secret."""
    keys = {current_kid: current_secret}
    for entry in filter(None, (part.strip() for part in retired.split(","))):
        kid, sep, secret = entry.partition(":")
        kid, secret = kid.strip(), secret.strip()
        if not sep or not kid or not secret:
            raise ImproperlyConfigured("CREW_JWT_SECRETS takes kid:secret pairs, comma-separated.")
        if kid in keys:
            raise ImproperlyConfigured(f"CREW_JWT_SECRETS: key id {kid!r} appears twice.")
        if len(secret.encode()) < MIN_SECRET_LENGTH:
            raise ImproperlyConfigured(
                f"CREW_JWT_SECRETS: the secret of key {kid!r} is shorter than 32 bytes."
            )
        keys[kid] = secret
    return keys


def keyring() -> dict[str, str]:
    return keyring_parse(
        current_kid=settings.CREW_JWT_KID,
        current_secret=settings.CREW_JWT_SECRET,
        retired=settings.CREW_JWT_SECRETS,
    )


def token_issue(
    *,
    user_id: str,
    entity: str,
    role: str = "crew",
    ttl: dt.timedelta = dt.timedelta(hours=1),
    now: dt.datetime | None = None,
) -> tuple[str, TokenClaims]:
    """A signed token for one crew-app user in one entity, and its claims (for logging the jti)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if ttl <= dt.timedelta(0):
        raise ValueError("ttl must be positive")
    # Whole seconds, as the token's claims hold them.
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    claims = TokenClaims(
        sub=user_id, entity=entity, jti=uuid.uuid4().hex, role=role, expires_at=now + ttl
    )
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "entity": entity,
        "role": role,
        "jti": claims.jti,
        "iat": int(now.timestamp()),  # PyJWT refuses an iat in the future: no nbf needed
        "exp": int(claims.expires_at.timestamp()),
    }
    headers = {"typ": TOKEN_TYPE, "kid": settings.CREW_JWT_KID}
    token = jwt.encode(payload, settings.CREW_JWT_SECRET, algorithm=ALGORITHM, headers=headers)
    return token, claims


def token_verify(*, token: str, keys: dict[str, str] | None = None) -> TokenClaims:
    """The claims of a valid token; TokenInvalid for anything else (never another exception).

    1. Refuse an oversized token before parsing anything.
    2. Read the header segment alone (PyJWT's get_unverified_header would decode the whole
       token, and decode does it again: this halves the parsing): `typ` must be ours, `alg`
       HS256, `kid` a key we hold.
    3. PyJWT verifies the signature with that key, HS256 only, and the required claims,
       issuer, audience and times (with a small leeway). The header it read must be the one
       the key was chosen by.
    4. Check the types of our own claims.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid("empty or oversized token")
    keys = keys if keys is not None else keyring()
    try:
        header = json.loads(base64url_decode(token.split(".", 1)[0]))
        if not isinstance(header, dict) or header.get("typ") != TOKEN_TYPE:
            raise TokenInvalid("wrong token type")
        if header.get("alg") != ALGORITHM:
            raise TokenInvalid("wrong algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or kid not in keys:
            raise TokenInvalid("unknown key id")
        decoded = jwt.decode_complete(
            token,
            keys[kid],
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY,
            options={"require": REQUIRED_CLAIMS, "strict_aud": True},
        )
        if decoded["header"] != header:
            raise TokenInvalid("header read two ways")
        payload: dict[str, Any] = decoded["payload"]
    except jwt.PyJWTError as exc:  # InvalidTokenError and the rest (a key it will not use)
        raise TokenInvalid(type(exc).__name__) from None
    except (ValueError, TypeError, KeyError, AttributeError):
        # A header that decodes to something odd (a list, a number) must still be a 401.
        raise TokenInvalid("malformed token") from None
    entity, jti, role = payload.get("entity"), payload.get("jti"), payload.get("role", "crew")
    if not all(isinstance(v, str) and 0 < len(v) <= 100 for v in (payload["sub"], entity, jti)):
        raise TokenInvalid("malformed claims")
    if role not in ROLES:
        raise TokenInvalid("unknown role")
    return TokenClaims(
        sub=payload["sub"],
        entity=entity,
        jti=jti,
        role=role,
        expires_at=dt.datetime.fromtimestamp(payload["exp"], dt.UTC),
    )
