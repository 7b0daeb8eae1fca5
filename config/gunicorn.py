"""gunicorn's settings for Quarterdeck's web process: `gunicorn -c config/gunicorn.py`.

The bind address and the number of workers stay on the command line (docker-compose.yml);
this file holds what belongs to the app.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from config.redaction import signed_links_hidden

wsgi_app = "config.wsgi:application"


class AccessLogWithoutSignedLinks(Logger):
    """gunicorn's logger, with the token of a one-click link replaced by "…" wherever an
    access-log line could show it: the request line, the path, the referrer, and the headers
    and environ values a format may name."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: signed_links_hidden(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = AccessLogWithoutSignedLinks
