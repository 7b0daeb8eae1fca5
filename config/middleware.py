"""Middleware of our own: only what no library does for us."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


def head_without_body(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """A HEAD is answered with GET's headers and no body (RFC 9110). Django leaves the dropping
    to the server: runserver does it quietly, gunicorn with a warning in the log for every HEAD
    (a monitor asking /healthz each minute would fill the log)."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        if request.method == "HEAD" and not response.streaming:
            length = len(response.content)  # type: ignore[attr-defined]
            response.content = b""  # type: ignore[attr-defined]
            response["Content-Length"] = str(length)  # what a GET would have sent
        return response

    return middleware
