import json

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
        "checks": {"database": "ok", "broker": "ok"},
    }


def test_it_answers_503_naming_a_broker_that_does_not_answer(client, monkeypatch):
    from config.celery import app

    # Celery lets the CELERY_BROKER_URL variable win over its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    original = app.conf.broker_url, app.conf.broker_transport_options
    # A Redis port where nothing listens: a real connection attempt that really fails.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {}
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = original
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


def test_it_answers_503_naming_a_missing_embedded_broker_folder(client, tmp_path, monkeypatch):
    from config.celery import app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    original = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {"data_folder_in": str(tmp_path / "gone")}
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = original
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


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


def test_it_needs_no_login_and_never_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert health.database_ok() == (True, "ok")
