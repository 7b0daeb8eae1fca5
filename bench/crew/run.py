"""Crew API benchmark: authenticated event posts and reads per second against gunicorn, beside
the trivial view on the same server, and the cost of verifying a token.

    .venv/bin/python bench/crew/run.py                     # SQLite, 10 s per measurement
    .venv/bin/python bench/crew/run.py --seconds 5 --database-url postgres://…/qd_crew

1. A fresh database (SQLite in a temporary folder unless --database-url names one, whose
   bench rows are deleted afterwards) is migrated and given the entity `crew-bench`;
   issue_crew_token mints a captain's token for it.
2. gunicorn serves the app as in production (config/gunicorn.py, production settings, the
   render bench's settings for its trivial view), with 2 sync workers on 127.0.0.1.
3. The render bench's load client (other processes, one new connection per request, bounded
   in time) alternates: /bench/trivial, POST /api/crew/events (each a new event of 4 people
   and 12 checklist items) and GET /api/crew/events/{id}; the ratios to the trivial view are
   printed.
4. measure.py times token verification in-process with timeit.
Targets: posts at least 0.25x the trivial view; verification under 50 µs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.render.load import throughput  # noqa: E402 - needs the path above
from bench.render.run import _env, _free_port, _wait_for  # noqa: E402

# A post as a crew app makes it: four people, twelve items.
EVENT = {
    "event_id": "bench-{seq}",
    "title": "Sunset charter",
    "starts_at": "2026-12-05T08:00:00-08:00",
    "ends_at": "2026-12-05T11:00:00-08:00",
    "time_zone": "America/Los_Angeles",
    "participants": [
        {"user_id": f"u{n}", "name": f"Crew member {n}", "email": f"u{n}@example.com",
         "role": "captain" if n == 0 else "crew"}
        for n in range(4)
    ],
    "checklist": [
        {"item_id": f"i{n}", "label": f"Checklist item {n}", "assignee": f"u{n % 4}",
         "due_at": "2026-12-04T18:00:00Z"}
        for n in range(12)
    ],
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per load measurement")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-url", default="", help="default: a throwaway SQLite file")
    args = parser.parse_args()

    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"qd-bench-crew-{secrets.token_hex(4)}"
    work.mkdir(parents=True)
    env = _env(args.database_url or f"sqlite:///{work / 'bench.sqlite3'}", "")
    env["CACHE_URL"] = f"filecache://{work / 'cache'}"
    env["DJANGO_LOG_LEVEL"] = "WARNING"  # not a line per event created
    manage = [sys.executable, str(ROOT / "manage.py")]
    app_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=app_env, cwd=ROOT, check=True)
        subprocess.run([*manage, "shell", "--no-imports", "-c",
                        "from entities.models import Entity; "
                        "Entity.objects.get_or_create(slug='crew-bench', "
                        "defaults={'name': 'Crew bench'})"],
                       env=app_env, cwd=ROOT, check=True)  # fmt: skip
        token = subprocess.run(
            [*manage, "issue_crew_token", "--user-id", "bench", "--entity", "crew-bench",
             "--role", "captain", "--ttl", "3600"],
            env=app_env, cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        load = _load(env, token, args)
        out = subprocess.run([sys.executable, str(Path(__file__).with_name("measure.py"))],
                             env=app_env, cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout  # fmt: skip
        measured = json.loads(out.strip().splitlines()[-1])
        _print(load, measured, args)
    finally:
        if args.database_url:  # a database of our own: leave it as it was
            subprocess.run([*manage, "shell", "--no-imports", "-c",
                            "from entities.models import Entity; "
                            "Entity.objects.filter(slug='crew-bench').delete()"],
                           env=app_env, cwd=ROOT, check=False)  # fmt: skip
        subprocess.run(["rm", "-rf", str(work)], check=False)


def _load(env: dict[str, str], token: str, args: argparse.Namespace) -> dict:
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.py",
         "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.render.settings"}, cwd=ROOT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token}"}
    post = {**auth, "Content-Type": "application/json"}
    body = json.dumps(EVENT).encode()
    try:
        _wait_for(port)
        # One event to read, posted before the clock starts.
        first = throughput([f"{base}/api/crew/events"], seconds=0.2, clients=1, method="POST",
                           body=body.replace(b"{seq}", b"read-me"), headers=post)  # fmt: skip
        assert first["ok"] >= 1, first
        runs: dict[str, list[dict]] = {"trivial": [], "post": [], "get": []}
        for _ in range(2):  # alternated, so a slow moment of the machine is shared by all
            part = args.seconds / 2
            runs["trivial"].append(throughput([f"{base}/bench/trivial"], seconds=part,
                                              clients=args.clients))  # fmt: skip
            runs["post"].append(throughput([f"{base}/api/crew/events"], seconds=part,
                                           clients=args.clients, method="POST", body=body,
                                           headers=post))  # fmt: skip
            runs["get"].append(throughput([f"{base}/api/crew/events/bench-read-me"],
                                          seconds=part, clients=args.clients,
                                          headers=auth))  # fmt: skip
        return {
            name: {"rps": sum(r["rps"] for r in rs) / len(rs),
                   "failed": sum(r["failed"] for r in rs)}
            for name, rs in runs.items()
        }  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _print(load: dict, measured: dict, args: argparse.Namespace) -> None:
    trivial = load["trivial"]["rps"]
    print(f"load: {args.clients} clients, gunicorn {args.workers} sync workers, "
          f"{args.seconds:.0f} s each, loopback")  # fmt: skip
    print(f"  {'/bench/trivial':27} {trivial:7.0f} req/s  "
          f"({load['trivial']['failed']} failed)")  # fmt: skip
    for name, label in (("post", "POST /api/crew/events"), ("get", "GET /api/crew/events/{id}")):
        rps = load[name]["rps"]
        ratio = rps / trivial if trivial else 0
        print(f"  {label:27} {rps:7.0f} req/s  ratio {ratio:.2f}x (target 0.25x), "
              f"{load[name]['failed']} failed")  # fmt: skip
    print(f"token verification: {measured['verify_us']:.1f} µs per token (target 50 µs); "
          f"the whole auth step with its one query {measured['auth_us']:.1f} µs")
    print(f"yardstick: one HMAC-SHA256 of the token {measured['yardstick_us']:.2f} µs, timed "
          "the same way (a fixed piece of work: compare it across runs and machines)")


if __name__ == "__main__":
    main()
