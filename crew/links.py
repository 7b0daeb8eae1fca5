"""Signed links in nudge emails: one per checklist item, for the participant it was sent to.

They are made with django.core.signing under a salt of their own, so a link token never
verifies as an API bearer token (a JWT under CREW_JWT_SECRET) nor the reverse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "crew.nudge-link"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


@dataclass(frozen=True, slots=True)
class LinkTarget:
    item_pk: int
    user_id: str


def link_max_age() -> dt.timedelta:
    # The earliest nudge goes out max(CREW_NUDGE_HOURS) before departure; a day more lets the
    # last reader act on the morning after.
    return dt.timedelta(hours=max(settings.CREW_NUDGE_HOURS, default=48) + 24)


def link_token_make(*, item_pk: int, user_id: str) -> str:
    return signing.dumps({"i": item_pk, "u": user_id}, salt=SALT)


def link_token_read(*, token: str) -> LinkTarget:
    """What a link points at; LinkExpired or LinkInvalid (tampered, foreign, malformed)."""
    if len(token) > 500:
        raise LinkInvalid
    try:
        data = signing.loads(token, salt=SALT, max_age=link_max_age())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid from None
    if not (isinstance(data, dict) and isinstance(data.get("i"), int)
            and isinstance(data.get("u"), str)):  # fmt: skip
        raise LinkInvalid
    return LinkTarget(item_pk=data["i"], user_id=data["u"])


def link_url(*, item_pk: int, user_id: str) -> str:
    token = link_token_make(item_pk=item_pk, user_id=user_id)
    return settings.SITE_URL + reverse("crew:item-done", kwargs={"token": token})
