"""The web process as deployed: gunicorn with config/gunicorn.py, started for real."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_worker_warms_its_report_rows_as_it_starts_and_serves(run_manage, tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for args in (("migrate", "-v0"), ("ingest_handoffs", str(ROOT / "examples" / "handoffs"))):
        done = run_manage(*args, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    server = subprocess.Popen(
        [shutil.which("gunicorn", path=str(Path(sys.executable).parent)),
         "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--log-level", "info"],
        env={**base, **env, "ENV_FILE": str(tmp_path / "absent.env"), "DJANGO_DEBUG": "false",
             "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
             "CREW_JWT_SECRET": secrets.token_urlsafe(40),
             "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "off",
             "CACHE_URL": f"filecache://{tmp_path / 'cache'}"},
        cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = server.stderr.readline()
            lines.append(line)
            if "report rows warmed" in line or "not warmed" in line or server.poll() is not None:
                break
        assert any("report rows warmed" in line for line in lines), "".join(lines)
        parts = int(lines[-1].rsplit(":", 1)[1].split()[0])
        assert parts > 7 * 4  # seven entities, four notes each, several parts a note
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as reply:
            assert reply.status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
