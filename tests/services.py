"""Real services for tests: use the ones answering on 127.0.0.1, or start our own."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, *, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_answers(port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout}s")


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis URL: TEST_REDIS_URL or the configured broker's, the one on 127.0.0.1:6379, or
    one we start. (TEST_REDIS_URL lets several checkouts on one machine keep apart.)"""
    configured = os.environ.get("TEST_REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    if configured.startswith("redis://"):
        yield configured
        return
    if port_answers(6379):
        yield "redis://127.0.0.1:6379/15"
        return
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("No Redis answers on 127.0.0.1:6379 and redis-server is not installed "
                           "(apt-get install redis-server, or run .ci/services).")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def project_env(**overrides: str) -> dict[str, str]:
    """The environment for a child process of the project (debug settings, no env file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update({"DJANGO_DEBUG": "true", "ENV_FILE": "/nonexistent.env", "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


@contextmanager
def celery_worker(
    *, queue: str, env: dict[str, str], log: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    """A real `celery -A config worker` process consuming one queue; stopped with SIGTERM.
    Its output is piped, or written to `log` (a busy worker would fill a pipe nobody reads)."""
    celery = str(Path(sys.executable).with_name("celery"))
    output = log.open("a") if log else subprocess.PIPE
    proc = subprocess.Popen(
        [celery, "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            output.close()


# --- Amazon SES stand-in -------------------------------------------------------------------------
SES_TEST_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": "us-east-1"}


class SesStandIn:
    """moto in server mode on 127.0.0.1: a real HTTP SES that keeps what it received."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def client(self):
        import boto3

        return boto3.client(
            "ses", region_name="us-east-1", endpoint_url=self.url,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

    def reset(self, *, verified: tuple[str, ...] = ()) -> None:
        """Forget everything, then verify these identities (moto refuses an unverified sender)."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"))
        for identity in verified:
            if "@" in identity:
                self.client().verify_email_identity(EmailAddress=identity)
            else:
                self.client().verify_domain_identity(Domain=identity)

    def received(self) -> list[dict]:
        """Every raw message SES accepted: id, source, destinations, raw_data."""
        import json
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=30) as response:
            return json.load(response)["ses"]["RawMessage"]


@contextmanager
def ses_server() -> Iterator[SesStandIn]:
    """Starts `moto_server` on a free port; stopped with SIGTERM."""
    binary = str(Path(sys.executable).with_name("moto_server"))
    port = free_port()
    proc = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield SesStandIn(port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_THROTTLED = (
    b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>'
    b"<Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error>"
    b"<RequestId>throttled-by-the-test-proxy</RequestId></ErrorResponse>"
)


class SesProxy:
    """An HTTP proxy of ours in front of the SES stand-in: it answers Throttling to the first
    `throttle_first` sends, can hold SES's answer to a send back for `stall_seconds` (the send
    reached SES; the caller times out), and notes when each send arrived."""

    def __init__(
        self, upstream: str, *, throttle_first: int = 0, stall_seconds: float = 0
    ) -> None:
        import threading

        self.upstream = upstream
        self.stall_seconds = stall_seconds
        self.throttle_left = throttle_first
        self.throttled = 0
        self.send_times: list[float] = []
        self._lock = threading.Lock()
        self.port = 0
        self.url = ""

    def _is_send(self, body: bytes) -> bool:
        return b"Action=SendRawEmail" in body or b"Action=SendEmail" in body

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes):
        import urllib.error
        import urllib.request

        if self._is_send(body):
            with self._lock:
                if self.throttle_left > 0:
                    self.throttle_left -= 1
                    self.throttled += 1
                    return 400, {"Content-Type": "text/xml"}, _THROTTLED
                self.send_times.append(time.time())
        request = urllib.request.Request(
            self.upstream + path, data=body or None, method=method,
            headers={
                k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = response.status, dict(response.headers), response.read()
            if self.stall_seconds and self._is_send(body):
                time.sleep(self.stall_seconds)
            return answer
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()


@contextmanager
def ses_proxy(
    upstream: str, *, throttle_first: int = 0, stall_seconds: float = 0
) -> Iterator[SesProxy]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    proxy = SesProxy(upstream, throttle_first=throttle_first, stall_seconds=stall_seconds)

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = proxy.handle(
                self.command, self.path, dict(self.headers), body
            )
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection",
                                        "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            # The caller may have given up waiting (a stalled answer): that is the point.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

        do_GET = do_POST = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.port = server.server_address[1]
    proxy.url = f"http://127.0.0.1:{proxy.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def own_redis_server(port: int | None = None) -> Iterator[tuple[str, Callable[[], None]]]:
    """A redis-server of our own on a free port (for tests that stop and start it), with a
    function that restarts it on the same port."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server).")
    port = port or free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    state: dict[str, subprocess.Popen[bytes]] = {}

    def start() -> None:
        state["proc"] = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        wait_for_port(port)

    def stop() -> None:
        state["proc"].terminate()
        state["proc"].wait(timeout=10)

    def restart() -> None:
        stop()
        start()

    start()
    try:
        yield f"redis://127.0.0.1:{port}/0", restart
    finally:
        stop()


@contextmanager
def gunicorn_server(
    *, tmp_path: Path, env: dict[str, str], workers: int = 1, log_level: str = "info"
) -> Iterator[tuple[int, Path]]:
    """gunicorn as deployed (config/gunicorn.py, production settings) on a free port, with its
    workers booted; yields the port and its log. Stopped with SIGTERM to its master."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    server = subprocess.Popen(
        [shutil.which("gunicorn", path=str(Path(sys.executable).parent)),
         "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", log_level],
        env={**base, **env, "ENV_FILE": str(tmp_path / "absent.env"), "DJANGO_DEBUG": "false",
             "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
             "CREW_JWT_SECRET": secrets.token_urlsafe(40),
             "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "off",
             "CACHE_URL": f"filecache://{tmp_path / 'cache'}"},
        cwd=ROOT, stderr=log.open("w"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("Booting worker") < workers and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
        wait_for_port(port)
        yield port, log
    finally:
        server.terminate()
        server.wait(timeout=30)
