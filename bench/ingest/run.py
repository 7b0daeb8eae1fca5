"""Ingest benchmark: notes/s for parsing alone and for a first ingest, beside markdown rendering,
and the hourly re-ingest of the same notes unchanged.

    .venv/bin/python bench/ingest/run.py                      # 1,000 notes, SQLite and PostgreSQL
    .venv/bin/python bench/ingest/run.py --sizes 1000,10000
    .venv/bin/python bench/ingest/run.py --backends sqlite

Each (backend, size) runs in a fresh process on a fresh database, so peak memory (ru_maxrss)
is that run's own. PostgreSQL is the one on 127.0.0.1 (a throwaway database is made and dropped).
Targets: a first ingest at least 0.4x the rate of markdown.markdown() over the same files; the
hourly re-ingest of 10,000 unchanged notes in at most 3 s; peak memory under 300 MB at 10,000.
Each run also times a fixed pure-Python loop (the yardstick) beside its steps: on a shared
machine, compare figures of runs whose yardsticks agree.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated note counts")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per (backend, size); the median is shown"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for backend in args.backends.split(","):
        for size in sizes:
            runs = [_run_one(backend, size) for _ in range(args.repeat)]
            rows.append(_median(runs))
    _print_table(rows)
    print(
        f"median of {args.repeat} runs each. ingest÷render: a first ingest's rate over "
        "markdown.markdown()'s on the same files (target ≥ 0.4). re-ingest s: the hourly task "
        "over the same notes, unchanged (target ≤ 3 s at 10,000), and its queries. yardstick: "
        "a fixed pure-Python loop timed beside each step (median), the machine's own speed."
    )


def _median(runs: list[dict]) -> dict:
    middle = {}
    for key, value in runs[0].items():
        middle[key] = (
            statistics.median(r[key] for r in runs) if isinstance(value, int | float) else value
        )
    # The ratios are taken within each run, then their median: both sides saw the same load.
    for name in ("parse", "ingest"):
        middle[f"{name}_ratio"] = statistics.median(
            r[f"{name}_per_s"] / r["render_per_s"] for r in runs
        )
    return middle


def _run_one(backend: str, size: int) -> dict:
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"qd-bench-ingest-{secrets.token_hex(4)}"
    work.mkdir(parents=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
        # Production-like settings: DEBUG would keep every query in memory.
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "CREW_JWT_SECRET": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "ENV_FILE": "/nonexistent.env",
    }
    database = None
    if backend == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    else:
        database = f"qd_bench_{secrets.token_hex(4)}"
        _psql(f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    try:
        out = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("measure.py")), str(size), str(work)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        sys.exit(f"{backend} {size}: measure failed:\n{exc.stderr}")
    finally:
        if database:
            _psql(f"DROP DATABASE IF EXISTS {database}")
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return {"backend": backend, **json.loads(out.strip().splitlines()[-1])}


def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN_URL, "-qc", sql], check=True, capture_output=True)


def _print_table(rows: list[dict]) -> None:
    head = (
        f"{'backend':9} {'notes':>6} {'render/s':>9} {'parse/s':>9} {'ingest/s':>9} "
        f"{'parse÷render':>12} {'ingest÷render':>13} {'ms/note':>8} {'queries/note':>12} "
        f"{'re-ingest s':>11} {'queries':>7} {'peak MB':>8} {'yardstick ms':>12}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['backend']:9} {r['notes']:>6} {r['render_per_s']:>9.0f} {r['parse_per_s']:>9.0f} "
            f"{r['ingest_per_s']:>9.0f} {r['parse_ratio']:>12.2f} "
            f"{r['ingest_ratio']:>13.2f} {1000 / r['ingest_per_s']:>8.2f} "
            f"{r['queries_per_note']:>12.1f} {r['reingest_s']:>11.2f} "
            f"{r['reingest_queries']:>7.0f} {r['peak_mb']:>8.0f} {r['yardstick_ms']:>12.2f}"
        )


if __name__ == "__main__":
    main()
