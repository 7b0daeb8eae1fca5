"""What no log line keeps: the signed part of a one-click link.

A checklist item's "done" link and an email's unsubscribe link act for whoever holds them. The
rule is written once, here, and used by gunicorn's access log (config/gunicorn.py) and by the
filter that every Django log handler runs (settings.LOGGING): the development server's request
lines and Django's own "Not Found: /crew/done/…" warnings included. Nothing here imports Django,
so gunicorn's master can read it before the app is loaded.
"""

from __future__ import annotations

import logging
import re

_SIGNED_LINK = re.compile(r"(/(?:crew/done|reports/unsubscribe)/)[^/?\s\"']+")


def signed_links_hidden(text: str) -> str:
    """The text with the token of every one-click link in it replaced by "…"."""
    return _SIGNED_LINK.sub(r"\1…", text)


class SignedLinksHidden(logging.Filter):
    """Rewrites a record whose message shows a one-click link's token; lets every record by."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = signed_links_hidden(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True
