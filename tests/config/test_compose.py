"""There is no Docker engine here: check the compose file against the project instead."""

from __future__ import annotations

import importlib
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def test_it_runs_web_worker_beat_redis_and_postgres():
    assert set(COMPOSE["services"]) >= {"web", "worker", "beat", "redis", "postgres"}


def test_the_app_services_share_one_image_and_are_env_driven():
    images = {COMPOSE["services"][name]["image"] for name in APP_SERVICES}
    assert images == {"quarterdeck:latest"}
    for name in APP_SERVICES:
        service = COMPOSE["services"][name]
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["CELERY_BROKER_URL"].startswith("redis://")


def test_every_long_running_service_has_a_healthcheck():
    for name in ["web", "worker", "beat", "redis", "postgres"]:
        assert "healthcheck" in COMPOSE["services"][name], name


def test_gunicorn_serves_the_real_wsgi_application():
    command = COMPOSE["services"]["web"]["command"]
    assert command[:3] == ["gunicorn", "-c", "config/gunicorn.py"]
    config = runpy.run_path(str(ROOT / command[2]))
    module, attribute = config["wsgi_app"].split(":")
    assert callable(getattr(importlib.import_module(module), attribute))


def test_gunicorn_accepts_its_configuration():
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [gunicorn, "-c", "config/gunicorn.py", "--check-config"], cwd=ROOT, capture_output=True,
        text=True, timeout=60, env={"DJANGO_DEBUG": "true", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout


def test_celery_commands_name_the_real_app():
    from config.celery import app

    for name in ["worker", "beat"]:
        command = COMPOSE["services"][name]["command"]
        assert command[:3] == ["celery", "-A", "config"] and command[3] == name
        assert importlib.import_module(command[2]).celery_app is app


def test_the_celery_entry_points_really_answer():
    celery = shutil.which("celery", path=str(Path(__import__("sys").executable).parent))
    for sub in ["worker", "beat"]:
        result = subprocess.run(
            [celery, "-A", "config", sub, "--help"], cwd=ROOT, capture_output=True, text=True,
            timeout=60, env={"DJANGO_DEBUG": "true", "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def test_migrate_uses_the_real_management_command():
    from django.core.management import get_commands

    command = COMPOSE["services"]["migrate"]["command"]
    assert command[:2] == ["python", "manage.py"]
    assert command[2] in get_commands()


def test_the_image_builds_from_files_that_exist():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and not line.startswith("COPY . "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


@pytest.mark.django_db
@pytest.mark.parametrize("hosts", ["reports.example.com", "reports.example.com,other.example",
                                   ".example.com", "*"])  # fmt: skip
def test_the_web_healthcheck_passes_against_production_allowed_hosts(live_server, settings, hosts):
    settings.ALLOWED_HOSTS = hosts.split(",")
    command = COMPOSE["services"]["web"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]
    port = live_server.url.rsplit(":", 1)[1]
    code = command[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=30, env={"DJANGO_ALLOWED_HOSTS": hosts})  # fmt: skip
    assert result.returncode == 0, result.stderr
