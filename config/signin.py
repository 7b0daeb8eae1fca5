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
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


class _LengthCheckedUserName:
    """Django's sign-in form sets the user name's max length after the field is built, so the
    length is never checked: a name longer than any user's went on to authenticate(), and into
    axes' table of attempts (255 characters), where PostgreSQL refused it with a 500. Here it is
    an ordinary form error, before anything is counted or stored."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        field = self.fields["username"]
        field.validators = [*field.validators, MaxLengthValidator(field.max_length)]


class SignInForm(_LengthCheckedUserName, AuthenticationForm):
    pass


class AdminSignInForm(_LengthCheckedUserName, AdminAuthenticationForm):
    pass


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
