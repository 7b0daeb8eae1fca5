"""gunicorn's settings for Quarterdeck's web process: `gunicorn -c config/gunicorn.py`.

The bind address and the number of workers stay on the command line (docker-compose.yml);
this file holds what belongs to the app.
"""

from __future__ import annotations

wsgi_app = "config.wsgi:application"
