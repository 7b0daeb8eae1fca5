"""A HEAD is GET's headers without the body, on Django's side already."""

from __future__ import annotations

import http.client

import pytest

from tests.services import gunicorn_server


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
    with gunicorn_server(tmp_path=tmp_path, env=env) as (port, log):
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
    assert "no-body response" not in log.read_text()
