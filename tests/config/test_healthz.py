import json
import logging

import pytest
from django.urls import reverse

from config import health

pytestmark = pytest.mark.django_db


def test_it_answers_200_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "down": [],
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


def test_it_answers_head_as_well_as_get(client):
    response = client.head(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b""


def test_it_refuses_a_post(client):
    assert client.post(reverse("healthz")).status_code == 405


def test_it_answers_503_naming_a_broker_that_does_not_answer(client, monkeypatch, caplog):
    from config.celery import app

    # Celery lets the CELERY_BROKER_URL variable win over its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    original = app.conf.broker_url, app.conf.broker_transport_options
    # A Redis port where nothing listens: a real connection attempt that really fails.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {}
    try:
        with caplog.at_level(logging.WARNING, logger="config.health"):
            response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = original
    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "down": ["broker"],
        "checks": {"database": "ok", "cache": "ok", "broker": "down"},
    }
    # The reason is in the log, with the exception, not in what anyone can fetch.
    record = next(r for r in caplog.records if r.name == "config.health")
    assert record.getMessage() == "healthz: the broker does not answer"
    assert record.exc_info is not None


def test_it_names_a_missing_embedded_broker_folder_without_its_path(
    client, tmp_path, monkeypatch, caplog
):
    from config.celery import app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    original = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = "filesystem://"
    gone = tmp_path / "gone"
    app.conf.broker_transport_options = {"data_folder_in": str(gone)}
    try:
        with caplog.at_level(logging.WARNING, logger="config.health"):
            response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "down"
    assert str(tmp_path) not in response.content.decode()
    assert str(gone) in caplog.text


def test_it_answers_503_naming_a_database_that_does_not_answer(run_manage):
    # A real PostgreSQL URL on a port where nothing listens, in a process of its own.
    code = (
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code); print(r.content.decode())"
    )
    result = run_manage(
        "shell", "--no-imports", "-c", code,
        env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
    )
    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == "503", result.stderr
    assert json.loads(body)["down"] == ["database"]
    assert json.loads(body)["checks"]["database"] == "down"
    # No driver message, host or port reaches the body; the log has them.
    assert "127.0.0.1" not in body and "Error" not in body
    assert "healthz: the database does not answer" in result.stderr
    assert "OperationalError" in result.stderr


def test_it_needs_no_login_and_never_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert health.database_ok() is True


def test_a_cache_that_does_not_answer_is_named_down(client, settings, caplog):
    # Sessions are read from the cache: with it down nobody can sign in, whatever the rest.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    with caplog.at_level("WARNING", logger="config.health"):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["down"] == ["cache"]
    assert "127.0.0.1:1" not in response.content.decode()
    assert "healthz: the cache does not answer" in caplog.text
