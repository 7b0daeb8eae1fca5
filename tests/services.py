"""Real services for tests: use the ones answering on 127.0.0.1, or start our own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, *, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_answers(port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout}s")


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis URL: TEST_REDIS_URL or the configured broker's, the one on 127.0.0.1:6379, or
    one we start. (TEST_REDIS_URL lets several checkouts on one machine keep apart.)"""
    configured = os.environ.get("TEST_REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if configured.startswith("redis://"):
        yield configured
        return
    if port_answers(6379):
        yield "redis://127.0.0.1:6379/15"
        return
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("No Redis answers on 127.0.0.1:6379 and redis-server is not installed "
                           "(apt-get install redis-server, or run .ci/services).")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def project_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process of the project (debug settings, no env file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update({"DJANGO_DEBUG": "true", "ENV_FILE": "/nonexistent.env", "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


@contextmanager
def celery_worker(*, queue: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """A real `celery -A config worker` process consuming one queue; stopped with SIGTERM."""
    celery = str(Path(sys.executable).with_name("celery"))
    proc = subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
