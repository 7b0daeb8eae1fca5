from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from tests.services import (
    SES_TEST_ENV,
    SesStandIn,
    celery_worker,
    project_env,
    ses_server,
)

SENDER = "reports@quarterdeck.test"


@pytest.fixture(scope="session")
def _ses_session() -> Iterator[SesStandIn]:
    with ses_server() as server:
        yield server


@pytest.fixture
def ses(_ses_session: SesStandIn, settings) -> SesStandIn:
    """The SES stand-in, emptied, with our sender verified; django-ses in this process points at
    it."""
    _ses_session.reset(verified=(SENDER,))
    settings.EMAIL_BACKEND = "django_ses.SESBackend"
    settings.AWS_SES_REGION_ENDPOINT_URL = _ses_session.url
    settings.AWS_ACCESS_KEY_ID = SES_TEST_ENV["AWS_ACCESS_KEY_ID"]
    settings.AWS_SECRET_ACCESS_KEY = SES_TEST_ENV["AWS_SECRET_ACCESS_KEY"]
    settings.SES_FROM_ADDRESS = f"Quarterdeck <{SENDER}>"
    return _ses_session


@pytest.fixture(autouse=True)
def _rate_limit_of_our_own(settings, tmp_path: Path):
    # Each test its own limiter file and a rate that never slows a unit test down.
    settings.DELIVERY_RATE_LIMIT_URL = f"file://{tmp_path / 'rate.lock'}"
    settings.SES_MAX_SEND_RATE = 1000.0
    settings.DELIVERY_QUEUE = f"qd-delivery-test-{uuid.uuid4().hex[:8]}"


def database_url_for_children() -> str:
    """The test database, as a URL a worker process can open (needs a transactional test)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def broker(
    url: str, monkeypatch: pytest.MonkeyPatch, *, transport_options: dict | None = None
) -> Iterator[None]:
    """Publish this process's tasks to the given broker (Celery lets CELERY_BROKER_URL in the
    environment win over its configuration, so both are set), and drop pooled connections to
    the previous broker."""
    previous = app.conf.broker_url, app.conf.broker_transport_options
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options or {"visibility_timeout": 3600}
    _drop_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous
        _drop_pools()


def _drop_pools() -> None:
    # Celery keeps the broker connection and producer pools per app; they are rebuilt on use.
    app.close()
    app.amqp._producer_pool = None


def worker_env(*, ses: SesStandIn | str, broker_url: str, queue: str, **extra: str) -> dict:
    endpoint = ses if isinstance(ses, str) else ses.url
    return project_env(
        DATABASE_URL=database_url_for_children(),
        CELERY_BROKER_URL=broker_url,
        CELERY_RESULT_BACKEND="cache+memory://",
        EMAIL_BACKEND="django_ses.SESBackend",
        AWS_SES_REGION_ENDPOINT_URL=endpoint,
        SES_FROM_ADDRESS=f"Quarterdeck <{SENDER}>",
        DELIVERY_QUEUE=queue,
        DELIVERY_RATE_LIMIT_URL=extra.pop("DELIVERY_RATE_LIMIT_URL", broker_url),
        **SES_TEST_ENV,
        **extra,
    )


@contextmanager
def workers(
    count: int, *, env: dict, queue: str, log: Path
) -> Iterator[list[subprocess.Popen[str]]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(celery_worker(queue=queue, env=env, log=log))
            for _ in range(count)
        ]


def wait_until(predicate, *, timeout: float, log: Path | None = None, step: float = 0.2) -> None:
    """Poll until predicate() is true; on timeout fail, printing the workers' log."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    if log and log.exists():
        print(log.read_text()[-20000:])
    raise AssertionError(f"not done within {timeout}s")


