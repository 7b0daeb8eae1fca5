"""`make demo`'s command: sets up, runs web, worker and beat, and Ctrl-C stops all three."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from config.management.commands.run_demo import child_env
from tests.services import ROOT, free_port, project_env, wait_for_port

LINK_TOKEN = "eyJpIjoxLCJ1IjoiY2FwLTEifQ:1xZbyV:SeCrEtPaRtOfTheLink"


def test_the_demos_links_point_at_the_address_it_serves_unless_site_url_is_set(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    assert child_env("127.0.0.1:8123")["SITE_URL"] == "http://127.0.0.1:8123"
    monkeypatch.setenv("SITE_URL", "https://reports.example.com")
    assert child_env("127.0.0.1:8123")["SITE_URL"] == "https://reports.example.com"


def test_setup_only_prints_a_working_admin_login(tmp_path):
    env = project_env(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "run_demo", "--setup-only"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "28 files: 26 ok, 2 with warnings, 0 with errors" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "sign in as" in x)
    password = line.rsplit(" / ", 1)[1].rstrip(")")

    check = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from django.contrib.auth import authenticate; from django.test import RequestFactory; "
         "r = RequestFactory().post('/login/'); "
         f"u = authenticate(r, username='admin', password={password!r}); "
         "print(bool(u and u.is_superuser))"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert check.stdout.strip().splitlines()[-1] == "True", check.stderr


@pytest.mark.worker
def test_it_runs_all_three_and_ctrl_c_stops_them_cleanly(tmp_path):
    port = free_port()
    env = project_env(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--addr", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for_port(port, timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert json.load(response)["status"] == "ok"
        for link in (f"/crew/done/{LINK_TOKEN}/", f"/reports/unsubscribe/{LINK_TOKEN}/"):
            with pytest.raises(urllib.error.HTTPError) as refused:  # a link that is not ours
                urllib.request.urlopen(f"http://127.0.0.1:{port}{link}", timeout=10)
            assert refused.value.code in (400, 404)
        time.sleep(2)  # let worker and beat finish starting
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "celery@" in output and "beat: Starting" in output
    assert "Stopped web, worker and beat." in output
    assert "killing it" not in output
    # The development server's request lines and Django's warnings show the links without
    # their token, as gunicorn's access log does.
    assert LINK_TOKEN not in output
    assert '"GET /crew/done/…/ HTTP/1.1" 400' in output
    assert "/reports/unsubscribe/…/" in output
