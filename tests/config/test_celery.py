"""The Celery wiring, end to end: a real worker process consumes from a real broker."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from celery import Celery

from config.celery import app
from tests.services import ROOT, celery_worker, project_env, redis_server

pytestmark = pytest.mark.worker


def test_the_app_is_configured_from_django_settings():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert "config.ping" in app.tasks


def _round_trip(*, broker: str, backend: str, transport_options: dict, env: dict) -> str:
    queue = f"qd-test-{uuid.uuid4().hex[:8]}"
    client = Celery("client", broker=broker, backend=backend)
    client.conf.broker_transport_options = transport_options
    with celery_worker(queue=queue, env=env) as worker:
        result = client.send_task("config.ping", queue=queue)
        try:
            return result.get(timeout=60)
        except Exception:
            worker.terminate()
            print(worker.communicate(timeout=20)[0])
            raise


def test_a_worker_consumes_a_task_from_redis():
    with redis_server() as url:
        env = project_env(CELERY_BROKER_URL=url, CELERY_RESULT_BACKEND=url)
        assert _round_trip(broker=url, backend=url, transport_options={}, env=env) == "pong"


def test_a_worker_consumes_a_task_from_the_embedded_broker(tmp_path: Path, monkeypatch):
    # Celery lets the CELERY_BROKER_URL variable win over the URL a client is given.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    # The demo's broker: kombu's filesystem transport in the folder settings give it.
    folder = ROOT / "var" / "broker" / "queue"
    folder.mkdir(parents=True, exist_ok=True)
    backend = f"file://{tmp_path}"
    env = project_env(CELERY_BROKER_URL="filesystem://", CELERY_RESULT_BACKEND=backend)
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder.parent / "control"),
    }
    assert _round_trip(
        broker="filesystem://", backend=backend, transport_options=options, env=env
    ) == "pong"
