"""gunicorn's settings for Quarterdeck's web process: `gunicorn -c config/gunicorn.py`.

The bind address and the number of workers stay on the command line (docker-compose.yml);
this file holds what belongs to the app.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

wsgi_app = "config.wsgi:application"

# The signed part of a one-click link: a checklist item's "done" link and an email's
# unsubscribe link act for whoever holds them, so an access log must not keep them.
_SIGNED_LINK = re.compile(r"(/(?:crew/done|reports/unsubscribe)/)[^/?\s]+")


class AccessLogWithoutSignedLinks(Logger):
    """gunicorn's logger, with the token of a one-click link replaced by "…" wherever an
    access-log line could show it: the request line, the path, the referrer, and the headers
    and environ values a format may name."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: _SIGNED_LINK.sub(r"\1…", value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = AccessLogWithoutSignedLinks
