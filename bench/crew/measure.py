"""In the bench's environment: the cost of one token verification, timed with timeit.

    measure.py            prints {"verify_us": ..., "auth_us": ..., "yardstick_us": ...}

verify_us is crew.tokens.token_verify (header checks, HS256 signature, claims) with the key
ring read from settings, as each request does; auth_us is the API's whole auth step
(verification, then the entity with its revocation, one indexed query).
"""

from __future__ import annotations

import hmac
import json
import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.test import RequestFactory  # noqa: E402

from crew.api import CrewBearer  # noqa: E402
from crew.tokens import token_issue, token_verify  # noqa: E402


def _best_us(stmt, number: int) -> float:
    # Many short repeats, the best of them: on a shared machine a long one is always interrupted.
    return min(timeit.repeat(stmt, number=number, repeat=100)) / number * 1e6


def main() -> None:
    token, _ = token_issue(user_id="bench", entity="crew-bench", role="captain")
    key = os.urandom(32)
    bearer = CrewBearer()
    request = RequestFactory().get("/api/crew/events")
    assert bearer.authenticate(request, token) is not None
    print(json.dumps({
        "verify_us": _best_us(lambda: token_verify(token=token), 50),
        "auth_us": _best_us(lambda: bearer.authenticate(request, token), 20),
        # A fixed piece of work timed the same way: how fast the machine ran just then.
        "yardstick_us": _best_us(lambda: hmac.new(key, token.encode(), "sha256").digest(), 50),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
