"""The web process as deployed: gunicorn with config/gunicorn.py, started for real."""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.services import gunicorn_server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.server
PASSWORD = "a-test-password-for-gunicorn"


def _signed_in(port: int) -> str:
    """The session cookie of the test superuser, signed in through the login form."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login/")
    response = connection.getresponse()
    body = response.read().decode()
    assert response.status == 200, (response.status, body[:500])
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
    connection.request(
        "POST", "/login/",
        body=urlencode({"username": "boss", "password": PASSWORD, "csrfmiddlewaretoken": token}),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"csrftoken={csrf}", "Referer": f"http://127.0.0.1:{port}/login/"},
    )  # fmt: skip
    response = connection.getresponse()
    response.read()
    assert response.status == 302
    return "sessionid=" + re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie"))[1]


def _get(port: int, path: str, cookie: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    return response.status


def test_every_report_is_served_and_each_is_stored_once_across_workers(run_manage, tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    # As the image is built: static files collected (the pages need their manifest).
    for args in (("migrate", "-v0"), ("ingest_handoffs", str(ROOT / "examples" / "handoffs")),
                 ("createsuperuser", "--noinput", "--username", "boss", "--email", "b@x.org"),
                 ("collectstatic", "--noinput", "-v0")):
        done = run_manage(*args, env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, timeout=120)
        assert done.returncode == 0, done.stderr
    with gunicorn_server(tmp_path=tmp_path, env=env, workers=2) as (port, log):
        cookie = _signed_in(port)
        # Each page several times: both workers serve some, and find the run the other stored.
        for _ in range(3):
            for persona in ("ceo", "cto", "cfo", "cmo", "cao"):
                assert _get(port, f"/reports/{persona}/", cookie) == 200
                assert _get(port, f"/reports/{persona}/qdn/", cookie) == 200
    assert "Traceback" not in log.read_text()
    counted = run_manage(
        "shell", "--no-imports", "-c",
        "from reports.models import ReportRun as R; print(R.objects.count(), "
        "R.objects.values('persona', 'scope', 'view').distinct().count())",
        env=env,
    )  # fmt: skip
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.split() == ["10", "10"]  # five personas x (portfolio, qdn), once each


def test_the_access_log_keeps_no_one_click_link_token():
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config

    from config.gunicorn import AccessLogWithoutSignedLinks

    token = "eyJpIjoxLCJ1IjoiY2FwLTEifQ:1xZbyV:O0irSECRET"
    logger = AccessLogWithoutSignedLinks(Config())
    for path in (f"/crew/done/{token}/", f"/reports/unsubscribe/{token}/"):
        environ = {"REQUEST_METHOD": "POST", "RAW_URI": path, "PATH_INFO": path,
                   "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_REFERER": f"https://x.example{path}"}
        atoms = logger.atoms(SimpleNamespace(status="200 OK", sent=10, headers=[]),
                             SimpleNamespace(headers=[("REFERER", f"https://x.example{path}")]),
                             environ, dt.timedelta(milliseconds=3))  # fmt: skip
        assert not any(token in str(value) for value in atoms.values()), atoms
        assert atoms["U"] == path.replace(token, "…")
    plain = logger.atoms(SimpleNamespace(status="200 OK", sent=1, headers=[]),
                         SimpleNamespace(headers=[]),
                         {"REQUEST_METHOD": "GET", "RAW_URI": "/reports/cfo/",
                          "PATH_INFO": "/reports/cfo/", "SERVER_PROTOCOL": "HTTP/1.1"},
                         dt.timedelta(0))  # fmt: skip
    assert plain["U"] == "/reports/cfo/"
