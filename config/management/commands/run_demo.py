"""Run the whole product in the foreground: web server, Celery worker and Celery beat.

1. Migrate, make (or reset) the demo admin and print its password.
2. Load the example portfolio when the ingestion command is there; seed the report
   recipients (REPORT_RECIPIENTS and the demo's examples) and the default schedules.
3. Start the three processes, each in its own session so the terminal's Ctrl-C reaches only us.
4. On Ctrl-C or SIGTERM, send SIGTERM to each main process (never the group: that would
   interrupt pool children mid-task), wait, and kill only what does not stop.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

STOP_TIMEOUT = 15


def child_env(addr: str) -> dict[str, str]:
    """The environment of web, worker and beat: links in the demo's emails (reports,
    unsubscribe, nudges) point at this server, unless SITE_URL is set (in the environment, or
    in .env, which the settings read into it)."""
    return {**os.environ, "SITE_URL": os.environ.get("SITE_URL") or f"http://{addr}"}


class Command(BaseCommand):
    help = "Set up the demo and run web, worker and beat together until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port for the web server")
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--setup-only", action="store_true", help="set up and exit without starting processes"
        )

    def handle(
        self, *args: Any, addr: str, username: str, setup_only: bool, **options: Any
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        password = self._reset_admin(username)
        self._load_examples()
        self._seed_recipients()
        self.stdout.write(
            self.style.SUCCESS(
                f"\nQuarterdeck demo: http://{addr}/  (sign in as {username} / {password})\n"
            )
        )
        if setup_only:
            return
        self._run(addr)

    def _reset_admin(self, username: str) -> str:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@quarterdeck.localhost"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        return password

    def _load_examples(self) -> None:
        examples = Path(settings.BASE_DIR) / "examples" / "handoffs"
        if "ingest_handoffs" in get_commands() and examples.is_dir():
            self.stdout.write(f"Loading the example portfolio from {examples} …")
            try:
                call_command("ingest_handoffs", str(examples))
            except SystemExit as exit_:  # the command exits 1 when a note had errors
                if exit_.code:
                    self.stderr.write("Some example notes had errors (see above).")

    def _seed_recipients(self) -> None:
        from reports.sending import demo_recipients_seed

        call_command("sync_recipients")  # REPORT_RECIPIENTS, as the old scripts read it
        made = demo_recipients_seed()
        if made:
            self.stdout.write(f"Made {made} example report recipients and the default schedules "
                              "(emails go to the outbox: /delivery/outbox/).")  # fmt: skip

    def _run(self, addr: str) -> None:
        python = sys.executable
        celery = str(Path(python).with_name("celery"))
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [celery, "-A", "config", "worker", "--loglevel=INFO", "--pool=solo"],
            "beat": [celery, "-A", "config", "beat", "--loglevel=INFO", "--pidfile="],
        }
        env = child_env(addr)
        procs = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env, start_new_session=True)
            for name, cmd in commands.items()
        }
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write("Web, worker and beat are running. Press Ctrl-C to stop all three.")
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited ({proc.returncode}); stopping the rest.")
                        stopping = True
                time.sleep(0.5)
        finally:
            self._stop_all(procs)

    def _stop_all(self, procs: dict[str, subprocess.Popen[bytes]]) -> None:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, proc in procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {STOP_TIMEOUT}s; killing it.")
                proc.kill()
                proc.wait()
        self.stdout.write("Stopped web, worker and beat.")
