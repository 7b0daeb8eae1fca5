"""Sign-in throttling (django-axes): what a locked-out person sees, and the line the log gets.

Axes counts the failures and decides; this module only answers. The page is ours, in the site's
look, with status 429, and says plainly what happened and what to do; the log line names the
user name, the address and the page, so an operator can tell a typo from an attack and unlock
(`manage.py axes_reset_username NAME`, `axes_reset_ip ADDRESS`, or the admin).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


@receiver(user_locked_out, dispatch_uid="quarterdeck-sign-in-locked")
def log_lockout(
    sender: object, request: HttpRequest, username: str | None, ip_address: str | None,
    **kwargs: Any,
) -> None:
    logger.warning(
        "sign-in locked for %d minutes after %d failures: user name %r, address %s, on %s",
        math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
        settings.AXES_FAILURE_LIMIT, username, ip_address, request.path,
    )
