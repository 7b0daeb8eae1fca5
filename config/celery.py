"""The Celery app: ``celery -A config worker`` and ``celery -A config beat`` start from here."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("quarterdeck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **kwargs: object) -> None:
    # kombu's filesystem transport creates nothing and swallows errors: a missing folder just
    # looks like an empty queue. Make them before anything is sent or consumed.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.task(name="config.ping")
def ping() -> str:
    """Answers "pong": proves a worker consumes from the broker."""
    return "pong"
