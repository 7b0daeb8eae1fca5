"""Render benchmark: each persona's portfolio report at 100 entities x 12 snapshots, and the
portfolio page under concurrent load against a trivial view on the same gunicorn server.

    .venv/bin/python bench/render/run.py                       # SQLite and PostgreSQL
    .venv/bin/python bench/render/run.py --backends sqlite --seconds 5

Per backend, on a fresh database (PostgreSQL: a throwaway one on 127.0.0.1):
1. measure.py seeds the portfolio and times building and rendering each persona's portfolio
   report from nothing kept in the process, and finding it stored, and counts the queries of
   a full render at 3, 30 and 100 entities.
2. gunicorn serves the app with production settings; after one request has stored each
   persona's portfolio report, N clients ask for those pages in turn for a while, then for
   /bench/trivial, and the ratio of the two throughputs is printed.
Targets: each report built and rendered in at most 150 ms, queries flat in the number of
entities, and the page under load at least 0.2x the trivial view.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

from bench.render.load import throughput  # noqa: E402 - needs the path above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=10, help="per load measurement")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--personas", default="ceo,cto,cfo,cmo,cao",
        help="whose portfolio pages the clients ask for, in turn",
    )  # fmt: skip
    args = parser.parse_args()
    for backend in args.backends.split(","):
        _run_one(backend, args)


def _env(database_url: str, password: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
        # Production-like: DEBUG would keep every query in memory and re-read stylesheets.
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "CREW_JWT_SECRET": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "off",
        "ENV_FILE": "/nonexistent.env",
        "DATABASE_URL": database_url,
        "BENCH_PASSWORD": password,
        "PYTHONPATH": str(ROOT),
    }


def _run_one(backend: str, args: argparse.Namespace) -> None:
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"qd-bench-render-{secrets.token_hex(4)}"
    work.mkdir(parents=True)
    password = secrets.token_urlsafe(16)
    database = None
    if backend == "sqlite":
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    else:
        database = f"qd_bench_{secrets.token_hex(4)}"
        _psql(f"CREATE DATABASE {database}")
        url = f"postgres://postgres@127.0.0.1:5432/{database}"
    env = _env(url, password)
    try:
        outputs = [
            subprocess.run(
                [sys.executable, str(Path(__file__).with_name("measure.py")), step,
                 str(args.entities), str(args.snapshots)],
                env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
                cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout
            for step in ("seed", "time")
        ]  # fmt: skip
        measured = json.loads(outputs[1].strip().splitlines()[-1])
        measured["seed_s"] = json.loads(outputs[0].strip().splitlines()[-1])["seed_s"]
        load = _load(env, password, args)
        _print(backend, measured, load, args)
    except subprocess.CalledProcessError as exc:
        sys.exit(f"{backend}: measure failed:\n{exc.stderr}")
    finally:
        if database:
            _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        subprocess.run(["rm", "-rf", str(work)], check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _load(env: dict[str, str], password: str, args: argparse.Namespace) -> dict:
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.py",
         "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.render.settings"}, cwd=ROOT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(port)
        cookie = _login(port, password)
        pages = [f"{base}/reports/{p}/" for p in args.personas.split(",")]
        for page in pages:  # each report rendered and stored once, before the clock starts
            assert _get(port, page.removeprefix(base), cookie) == 200
        # Alternate, so a slow moment of the machine is shared by both.
        trivial, report = [], []
        for _ in range(2):
            trivial.append(throughput([f"{base}/bench/trivial"], seconds=args.seconds / 2,
                                      clients=args.clients))  # fmt: skip
            report.append(throughput(pages, cookie=cookie, seconds=args.seconds / 2,
                                     clients=args.clients))  # fmt: skip
        return {
            "trivial_rps": sum(r["rps"] for r in trivial) / len(trivial),
            "report_rps": sum(r["rps"] for r in report) / len(report),
            "failed": sum(r["failed"] for r in trivial + report),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _get(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    return response.status


def _login(port: int, password: str) -> str:
    """Sign in as the bench user the way a browser does; the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login/")
    response = connection.getresponse()
    body = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
    connection.request(
        "POST", "/login/",
        body=urlencode({"username": "bench", "password": password,
                        "csrfmiddlewaretoken": token}),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"csrftoken={csrf_cookie}", "Referer": "http://127.0.0.1/login/"},
    )  # fmt: skip
    response = connection.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or not session:
        raise RuntimeError(f"login failed: {response.status}")
    return f"sessionid={session[1]}"


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN_URL, "-qc", sql], check=True, capture_output=True)


def _print(backend: str, measured: dict, load: dict, args: argparse.Namespace) -> None:
    print(f"\n{backend} ({measured['vendor']}): {measured['entities']} entities x "
          f"{measured['snapshots']} snapshots, seeded in {measured['seed_s']:.1f} s")  # fmt: skip
    head = (f"{'persona':8} {'build ms':>9} {'best ms':>8} {'stored ms':>10} {'page KB':>8}  "
            f"queries fresh/reused at 3, 30, {measured['entities']} entities")  # fmt: skip
    print(head)
    print("-" * len(head))
    for persona, r in measured["personas"].items():
        queries = "  ".join(f"{fresh}/{reused}" for fresh, reused in r["queries"].values())
        print(f"{persona:8} {r['build_ms']:>9.1f} {r['build_best_ms']:>8.1f} "
              f"{r['stored_ms']:>10.1f} {r['page_kb']:>8.0f}  {queries}")  # fmt: skip
    median, best = measured["yardstick_ms"]
    print(f"yardstick (a fixed loop, timed beside the reports): median {median:.2f} ms, "
          f"best {best:.2f} ms; their ratio is how much slower the machine ran than it can")
    ratio = load["report_rps"] / load["trivial_rps"] if load["trivial_rps"] else 0
    print(f"load ({args.clients} clients, gunicorn {args.workers} sync workers, "
          f"{args.seconds:.0f} s each): /bench/trivial {load['trivial_rps']:.0f} req/s, "
          f"portfolio pages ({args.personas}, in turn) {load['report_rps']:.0f} req/s, "
          f"ratio {ratio:.2f}x "
          f"(target 0.2x), {load['failed']} failed")  # fmt: skip


if __name__ == "__main__":
    main()
