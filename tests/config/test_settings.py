"""Settings come from the environment, strictly: a bad value stops start-up with a clear message."""

import secrets

import pytest

STRONG = secrets.token_urlsafe(64)
CREW = secrets.token_urlsafe(40)


def test_a_malformed_boolean_stops_start_up(run_manage):
    result = run_manage("check", env={"DJANGO_DEBUG": "flase"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG='flase' is not a boolean" in result.stderr


def test_production_refuses_a_missing_secret_key(run_manage):
    result = run_manage("check", env={"DJANGO_DEBUG": "false", "CREW_JWT_SECRET": CREW})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing or weak" in result.stderr


def test_production_refuses_a_weak_secret_key(run_manage):
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "changeme", "CREW_JWT_SECRET": CREW}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is missing or weak" in result.stderr
    assert "changeme" not in result.stderr  # the secret itself is never printed


def test_a_malformed_database_url_stops_start_up(run_manage):
    result = run_manage("check", env={"DATABASE_URL": "nonsense://"})
    assert result.returncode != 0
    assert "nonsense" in result.stderr


def test_check_deploy_with_production_settings_prints_no_warnings(run_manage):
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": STRONG,
        "CREW_JWT_SECRET": CREW,
        "DJANGO_ALLOWED_HOSTS": "reports.example.com",
        "SITE_URL": "https://reports.example.com",
    }
    collected = run_manage("collectstatic", "--noinput", "-v0", env=env, timeout=120)
    assert collected.returncode == 0, collected.stderr
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_ssl_redirect_can_be_left_to_the_proxy(run_manage):
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": STRONG,
        "CREW_JWT_SECRET": CREW,
        "DJANGO_ALLOWED_HOSTS": "reports.example.com",
        "DJANGO_SECURE_SSL_REDIRECT": "off",
        "SITE_URL": "https://reports.example.com",
    }
    assert run_manage("collectstatic", "--noinput", "-v0", env=env, timeout=120).returncode == 0
    result = run_manage(
        "shell", "--no-imports", "-c",
        "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    deploy = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert deploy.returncode == 0, deploy.stderr


def test_an_old_repos_env_file_works_unchanged(run_manage, tmp_path):
    repos_env = tmp_path / "repos.env"
    repos_env.write_text(
        "AWS_REGION=eu-west-1\n"
        "SES_FROM_ADDRESS=reports@dangerouscentaur.example\n"
        "ADMIN_BCC_ADDRESS=owner@dangerouscentaur.example\n"
        "REPORT_RECIPIENTS=ceo@example.com, cfo@example.com\n"
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.AWS_SES_REGION_NAME, s.AWS_SES_REGION_ENDPOINT, s.DEFAULT_FROM_EMAIL, "
        "s.ADMIN_BCC_ADDRESS, '|'.join(s.REPORT_RECIPIENTS))"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env={"ENV_FILE": str(repos_env)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "eu-west-1",
        "email.eu-west-1.amazonaws.com",
        "reports@dangerouscentaur.example",
        "owner@dangerouscentaur.example",
        "ceo@example.com|cfo@example.com",
    ]


def test_the_environment_wins_over_the_env_file(run_manage, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("AWS_REGION=eu-west-1\n")
    result = run_manage(
        "shell", "--no-imports", "-c",
        "from django.conf import settings; print(settings.AWS_SES_REGION_NAME)",
        env={"ENV_FILE": str(env_file), "AWS_REGION": "us-west-2"},
    )
    assert result.stdout.strip() == "us-west-2"


def test_a_misspelt_key_is_named_with_the_likely_intended_one(run_manage, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nSES_FROM_ADRESS=reports@example.com\nAWS_REGION=eu-west-1\n")
    result = run_manage("check", env={"ENV_FILE": str(env_file)})
    output = result.stdout + result.stderr
    assert "quarterdeck.W001" in output
    assert ".env line 2: unknown variable SES_FROM_ADRESS" in output
    assert "Did you mean SES_FROM_ADDRESS?" in output


def test_every_known_variable_is_documented_in_env_example():
    from pathlib import Path

    from config.env import COMPOSE_VARIABLES, KNOWN_VARIABLES, env_file_keys

    example = Path(__file__).resolve().parents[2] / ".env.example"
    documented = {key for _, key in env_file_keys(example)}
    assert documented == set(KNOWN_VARIABLES) | COMPOSE_VARIABLES


def test_the_error_page_filter_hides_secrets_and_urls(settings, rf):
    from config.logging import SecretHidingFilter

    settings.CELERY_BROKER_URL = "redis://:hunter2@redis:6379/0"
    settings.CREW_JWT_SECRET = "s3cr3t-crew"
    safe = SecretHidingFilter().get_safe_settings()
    assert "hunter2" not in str(safe)
    assert "s3cr3t-crew" not in str(safe)
    assert "hunter2" not in str(safe["CELERY_BROKER_URL"])


def test_sessions_are_cached_in_a_cache_shared_by_processes(run_manage):
    code = (
        "from django.conf import settings; "
        "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])"
    )
    result = run_manage("shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.contrib.sessions.backends.cached_db",
        "django.core.cache.backends.filebased.FileBasedCache",
    ]
    redis = run_manage("shell", "--no-imports", "-c", code,
                       env={"CACHE_URL": "redis://127.0.0.1:6379/1"})  # fmt: skip
    assert redis.stdout.split()[1] == "django.core.cache.backends.redis.RedisCache"


def test_a_per_process_cache_is_a_warning_in_production(run_manage):
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": STRONG,
        "CREW_JWT_SECRET": CREW,
        "DJANGO_ALLOWED_HOSTS": "reports.example.com",
        "CACHE_URL": "locmemcache://",
    }
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "quarterdeck.W002" in result.stderr + result.stdout


def test_each_process_keeps_its_database_connection_unless_told_not_to(run_manage, tmp_path):
    # A new SQLite connection costs a page about 1 ms (Django registers its SQL functions on
    # each), a new PostgreSQL one several: a process keeps one for a minute by default.
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    for url in (f"sqlite:///{tmp_path / 'db.sqlite3'}", "postgres://postgres@127.0.0.1/qd"):
        result = run_manage("shell", "--no-imports", "-c", code, env={"DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["60", "True"]
    once = run_manage("shell", "--no-imports", "-c", code, env={"DATABASE_CONN_MAX_AGE": "0"})
    assert once.stdout.split() == ["0", "True"]


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_so_readers_never_wait_for_a_writer():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's journal mode")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "notaurl", "DATABASE_URL is not a database URL Quarterdeck runs on"),
        ("DATABASE_URL", "mysqlx://u:secretpw@h/d", "(its scheme: 'mysqlx')"),
        ("SES_MAX_SEND_RATE", "fast", "SES_MAX_SEND_RATE='fast' is not a number."),
        ("DELIVERY_RETRY_BACKOFF_SECONDS", "nan", "is not a finite number"),
        ("CACHE_URL", "bogus://x", "CACHE_URL is not a cache URL"),
        ("CELERY_BROKER_URL", "notaurl", "CELERY_BROKER_URL is not a broker URL"),
    ],
)
def test_a_malformed_variable_is_one_line_naming_it(run_manage, variable, value, message):
    result = run_manage("check", env={variable: value})
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "secretpw" not in result.stderr  # a URL's password is never printed


def test_the_deploy_checks_name_dead_email_links_and_a_missing_manifest(settings, tmp_path):
    from config.checks import check_links_and_sender, check_static_files_collected

    settings.DEBUG = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.EMAIL_BACKEND = "django_ses.SESBackend"
    settings.SES_FROM_ADDRESS = "Quarterdeck <reports@quarterdeck.localhost>"
    assert [w.id for w in check_links_and_sender()] == ["quarterdeck.W003", "quarterdeck.W004"]
    settings.SITE_URL = "https://reports.example.com"
    settings.SES_FROM_ADDRESS = "reports@example.com"
    assert check_links_and_sender() == []

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # fmt: skip
    [error] = check_static_files_collected()
    assert error.id == "quarterdeck.E001" and "collectstatic" in error.hint
    (tmp_path / "staticfiles.json").write_text("{}")
    assert check_static_files_collected() == []
