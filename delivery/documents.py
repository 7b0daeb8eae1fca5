"""A rendered message served as a document of its own: an email as sent (the outbox), a
report's email rendition and its download.

They are full of inline styles by design (mail clients read no stylesheet; the download loads
nothing), so the site's Content-Security-Policy, which allows styles from our own files only,
would strip them. They get a policy of their own instead: inline styles and nothing else. No
script from anywhere, no fetch of any kind, and a sandbox, so that even a style that slipped
through could not run, submit or reach the site's cookies.
"""

from __future__ import annotations

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.http import HttpResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin

STORED_DOCUMENT_POLICY: dict[str, list[str] | bool] = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    # The charts are inline SVG and the email has no image: nothing needs to be fetched.
    "img-src": [NONE],
    "base-uri": [NONE],
    "form-action": [NONE],
    "frame-ancestors": [NONE],
    "sandbox": True,
}


@csp(STORED_DOCUMENT_POLICY)
def stored_document(html: str) -> HttpResponse:
    """Stored HTML, exactly as rendered, under the inline-styles-only policy."""
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@csp({**STORED_DOCUMENT_POLICY, "frame-ancestors": [SELF]})
@xframe_options_sameorigin
def framed_document(html: str) -> HttpResponse:
    """The same, to be shown in a sandboxed frame of our own pages (the outbox, the admin's
    preview)."""
    return HttpResponse(html, content_type="text/html; charset=utf-8")
