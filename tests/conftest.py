from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent

# A loaded CI machine must not turn a slow example into a failure; what fails is a wrong answer.
hypothesis_settings.register_profile("quarterdeck", deadline=None, database=None)
hypothesis_settings.load_profile("quarterdeck")


@pytest.fixture
def run_manage(tmp_path: Path):
    """Runs manage.py in a fresh process with the given environment (settings are read at import,
    so a changed environment needs a new process). Nothing of this process's env file leaks in."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: int = 60):
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
        base.update({"ENV_FILE": str(tmp_path / "absent.env"), "DJANGO_DEBUG": "true"})
        base.update(env or {})
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=base,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest needs collectstatic; tests of pages use plain storage, and
    # tests/config/test_static.py proves the manifest build on its own.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
