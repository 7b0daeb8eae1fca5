"""Send benchmark: 1,000 deliveries to the SES stand-in through 2 real worker processes.

    .venv/bin/python bench/send/run.py                    # at 5/s, then as fast as it goes (200/s)
    .venv/bin/python bench/send/run.py --rates 5 --count 1000
    .venv/bin/python bench/send/run.py --rates 200 --count 300

For each rate: a fresh SQLite database, moto_server as SES with a proxy of ours in front that notes
when each send arrives, Redis as the broker and the shared limiter (TEST_REDIS_URL, default
redis://127.0.0.1:6379/5), and 2 `celery worker` processes. Printed: the most sends in any
one-second window (sliding, by arrival at SES), the average rate, and where a send's time goes
(load, limiter wait, claim, the SES call, recording the result), from the workers' log lines.
Target at 5/s: at most 5 in every window, an average of at least 95 % of 5.

Rendering is the reports side's: `render` below is the hook (a fixed message until then).
The machine may be shared: the figures are this run's, under whatever else was running.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.services import (  # noqa: E402
    SES_TEST_ENV,
    celery_worker,
    project_env,
    ses_proxy,
    ses_server,
)

DOMAIN = "bench.test"
TIMINGS = re.compile(
    r"\(ms: load ([\d.]+), claim ([\d.]+), wait ([\d.]+), ses ([\d.]+), record ([\d.]+); "
    r"called at ([\d.]+)\)"
)


def render(n: int) -> tuple[str, str, str]:
    """The message of delivery n: (subject, text, html). The reports side plugs its rendition in
    here to time rendering with the rest."""
    return (
        f"CFO report · Portfolio · 2026-11-25 · {n}",
        f"Cash: $1.2M\nRecipient {n}\n" * 20,
        f"<html><body><h1>CFO report</h1><p>Cash: <b>$1.2M</b> for {n}</p></body></html>" * 20,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="5,200", help="comma-separated SES_MAX_SEND_RATE values")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--redis", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument(
        "--database-url", default="",
        help="a PostgreSQL database of yours to use (its delivery rows are emptied first); "
        "default a fresh SQLite file",
    )
    args = parser.parse_args()
    rates = args.rates.split(",")
    if len(rates) > 1:
        # Settings are read once per process: each rate runs in a process of its own.
        import subprocess

        for rate in rates:
            subprocess.run(
                [sys.executable, __file__, "--rates", rate, "--count", str(args.count),
                 "--workers", str(args.workers), "--redis", args.redis,
                 "--database-url", args.database_url],
                check=True,
            )
        return
    rate = float(rates[0])
    _report(rate, args.count, _run(rate=rate, count=args.count, workers=args.workers,
                                   redis_url=args.redis, database_url=args.database_url))


def _run(*, rate: float, count: int, workers: int, redis_url: str, database_url: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="qd-bench-send-"))
    queue_name = f"qd-bench-send-{secrets.token_hex(4)}"
    with ses_server() as ses, ses_proxy(ses.url) as proxy:
        ses.reset(verified=(DOMAIN, f"reports@{DOMAIN}"))
        env = project_env(
            # Production-like: DEBUG would keep every query in memory.
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
            CREW_JWT_SECRET=secrets.token_urlsafe(40),
            DJANGO_ALLOWED_HOSTS="localhost",
            DATABASE_URL=database_url or f"sqlite:///{work / 'bench.sqlite3'}",
            CACHE_URL=f"filecache://{work / 'cache'}",
            CELERY_BROKER_URL=redis_url,
            CELERY_RESULT_BACKEND="cache+memory://",
            EMAIL_BACKEND="django_ses.SESBackend",
            AWS_SES_REGION_ENDPOINT_URL=proxy.url,
            SES_FROM_ADDRESS=f"Quarterdeck <reports@{DOMAIN}>",
            SES_MAX_SEND_RATE=str(rate),
            DELIVERY_QUEUE=queue_name,
            DELIVERY_RATE_LIMIT_URL=redis_url,
            **SES_TEST_ENV,
        )
        os.environ.update(env)
        # This process only queues: its own log stays quiet; the workers log each send.
        os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_LOG_LEVEL="WARNING")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        import redis

        from delivery.limiter import REDIS_KEY
        from delivery.models import Delivery, DeliveryStatus, SesAccount
        from delivery.services import delivery_queue

        redis.Redis.from_url(redis_url).delete(REDIS_KEY)
        Delivery.objects.all().delete()
        SesAccount.objects.all().delete()
        from django.db import transaction

        started = time.perf_counter()
        for first in range(0, count, 100):
            # As a report run would: its recipients queued in one transaction (a commit costs
            # a disk flush), the tasks published once it commits.
            with transaction.atomic():
                for n in range(first, min(first + 100, count)):
                    subject, text, html = render(n)
                    delivery_queue(key=f"bench:{rate}:{n}", kind="bench", to=f"r{n}@{DOMAIN}",
                                   subject=subject, body_text=text, body_html=html,
                                   headers={"List-Unsubscribe": f"<https://q.example/u/{n}>"})
        queue_seconds = time.perf_counter() - started
        logs = [work / f"worker-{i}.log" for i in range(workers)]
        from contextlib import ExitStack

        with ExitStack() as stack:
            for log in logs:
                stack.enter_context(celery_worker(queue=queue_name, env=env, log=log))
            waiting = [DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
            deadline = time.monotonic() + count / rate * 2 + 120
            while Delivery.objects.filter(status__in=waiting).exists():
                if time.monotonic() > deadline:
                    sys.exit("the deliveries did not finish in time; see " + str(work))
                time.sleep(0.5)
        statuses = dict.fromkeys(DeliveryStatus.values, 0)
        for status in Delivery.objects.values_list("status", flat=True):
            statuses[status] += 1
        received = len(ses.received())
    timings = [
        tuple(float(x) for x in m.groups())
        for log in logs
        for m in TIMINGS.finditer(log.read_text())
    ]
    called = sorted(t[-1] for t in timings)
    timings = [t[:-1] for t in timings]
    return {"times": sorted(proxy.send_times), "called": called, "timings": timings,
            "statuses": statuses,
            "received": received, "queue_seconds": queue_seconds, "workers": workers,
            "database": "PostgreSQL" if database_url else "SQLite"}


def _max_in_window(times: list[float], width: float = 1.0) -> int:
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - width:
            j += 1
        best = max(best, i - j + 1)
    return best


def _report(rate: float, count: int, run: dict) -> None:
    times, called = run["times"], run["called"]
    span = times[-1] - times[0] if len(times) > 1 else 0
    average = (len(times) - 1) / span if span else 0
    called_span = called[-1] - called[0] if len(called) > 1 else 0
    called_average = (len(called) - 1) / called_span if called_span else 0
    print(f"\nSES_MAX_SEND_RATE={rate:g}/s · {count} deliveries · {run['workers']} workers · "
          f"{run['database']}")
    print(f"  statuses: {', '.join(f'{k} {v}' for k, v in run['statuses'].items() if v)}; "
          f"SES received {run['received']}")
    print(f"  queueing {count} with delivery_queue, 100 a transaction: "
          f"{run['queue_seconds']:.1f} s "
          f"({count / run['queue_seconds']:.0f}/s)")
    print(f"  calls to SES, as the workers made them: {len(called)} in {called_span:.1f} s; "
          f"average {called_average:.2f}/s ({called_average / rate:.1%} of the rate); "
          f"most in any 1 s window: {_max_in_window(called)}")
    print(f"  sends as they reached the stand-in (through its proxy): {len(times)} in "
          f"{span:.1f} s; average {average:.2f}/s; most in any 1 s window: "
          f"{_max_in_window(times)}")
    if run["timings"]:
        columns = list(zip(*run["timings"], strict=True))
        names = ("load+build", "claim", "limiter wait", "SES call", "record")
        print("  per send, ms (median / p95): " + "; ".join(
            f"{name} {statistics.median(c):.1f} / {sorted(c)[int(len(c) * 0.95) - 1]:.1f}"
            for name, c in zip(names, columns, strict=True)
        ))
    if rate <= 50:
        ok = _max_in_window(called) <= rate and called_average >= 0.95 * rate
        print(f"  target (≤ {rate:g} in every window, average ≥ 95 %): {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
