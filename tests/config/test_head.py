"""A HEAD is GET's headers without the body, on Django's side already."""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_a_head_has_the_headers_of_a_get_and_no_body(rf):
    from django.http import HttpResponse

    from config.middleware import head_without_body

    handler = head_without_body(lambda request: HttpResponse("twelve bytes"))
    head = handler(rf.head("/"))
    assert head.content == b"" and head["Content-Length"] == "12"
    get = handler(rf.get("/"))
    assert get.content == b"twelve bytes"


@pytest.mark.server
def test_gunicorn_answers_head_without_a_warning_in_its_log(run_manage, tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    for args in (("migrate", "-v0"), ("collectstatic", "--noinput", "-v0")):
        done = run_manage(*args, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [shutil.which("gunicorn", path=str(Path(sys.executable).parent)),
         "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env={**base, **env, "ENV_FILE": str(tmp_path / "absent.env"), "DJANGO_DEBUG": "false",
             "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
             "CREW_JWT_SECRET": secrets.token_urlsafe(40),
             "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "off",
             "CACHE_URL": f"filecache://{tmp_path / 'cache'}"},
        cwd=ROOT, stderr=log.open("w"), start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "Booting worker" not in log.read_text() and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
        time.sleep(1)
        for path in ("/healthz", "/login/"):
            sizes = {}
            for method in ("GET", "HEAD"):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request(method, path)
                response = connection.getresponse()
                body = response.read()
                assert response.status == 200, (method, path, body[:300])
                sizes[method] = (response.getheader("Content-Length"), len(body))
            assert sizes["HEAD"] == (sizes["GET"][0], 0), (path, sizes)
            assert int(sizes["GET"][0]) == sizes["GET"][1] > 0
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "no-body response" not in log.read_text()
