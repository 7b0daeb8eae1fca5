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


def _compose_beat() -> tuple[list[str], list[str]]:
    import yaml

    beat = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["beat"]
    return beat["command"], beat["healthcheck"]["test"]


def test_compose_checks_beat_by_asking_beat_itself():
    command, check = _compose_beat()
    node = command[command.index("--hostname") + 1]
    assert "--enable-remote-control" in command
    assert check[0] == "CMD" and check[1:6] == ["celery", "-A", "config", "inspect", "ping"]
    assert check[check.index("--destination") + 1] == node


def test_beat_answers_the_compose_health_check_and_a_frozen_beat_fails_it(tmp_path, run_manage):
    import os
    import signal
    import subprocess
    import sys
    import time

    command, check = _compose_beat()
    node = f"celerybeat@qd-test-{uuid.uuid4().hex[:8]}"  # the compose name, made unique here
    celery = str(Path(sys.executable).with_name("celery"))

    def named(argv: list[str], flag: str) -> list[str]:
        argv = [celery if arg == "celery" else arg for arg in argv]
        argv[argv.index(flag) + 1] = node
        return argv

    with redis_server() as url:
        env = project_env(CELERY_BROKER_URL=url,
                          DATABASE_URL=f"sqlite:///{tmp_path / 'beat.sqlite3'}")  # fmt: skip
        migrated = run_manage("migrate", "-v0", env=env, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
        # The schedules the migrations made stay off: this beat sends nothing to the broker.
        quiet = run_manage("shell", "--no-imports", "-c",
                           "from django_celery_beat.models import PeriodicTask as P; "
                           "P.objects.update(enabled=False)", env=env)  # fmt: skip
        assert quiet.returncode == 0, quiet.stderr

        ping = named(check[1:], "--destination")
        ping[ping.index("--timeout") + 1] = "3"  # a shorter wait for the answers that fail

        def healthy() -> bool:
            return subprocess.run(ping, cwd=ROOT, env=env, capture_output=True,
                                  timeout=60).returncode == 0  # fmt: skip

        assert not healthy()  # nothing answers before beat runs
        log = (tmp_path / "beat.log").open("w")
        beat = subprocess.Popen(named(command, "--hostname"), cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not healthy():
                assert beat.poll() is None and time.monotonic() < deadline, (
                    (tmp_path / "beat.log").read_text())
                time.sleep(0.5)
            os.kill(beat.pid, signal.SIGSTOP)  # alive as a process, doing nothing
            try:
                assert not healthy()
            finally:
                os.kill(beat.pid, signal.SIGCONT)
        finally:
            beat.terminate()
            beat.wait(timeout=30)
            log.close()
