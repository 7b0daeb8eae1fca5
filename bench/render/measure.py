"""One measurement: `measure.py seed N M` prepares a fresh database, then `measure.py time N M`
prints one JSON line, in another process (as a web process, it never made the data itself).

1. seed: migrate and seed N entities x M snapshots (bench/render/seed.py), and users: a
   superuser "bench" (password in BENCH_PASSWORD) and members of 3, 30 and N entities.
2. time: for each persona's portfolio report: the time to build and render it from nothing
   kept in the process (resolve the scope, load the rows, run the builder, render the page,
   store the run), the median of several runs; the time to find a stored run (what a page
   under load does); the size of the page; and the queries of a full `report_render`, fresh
   and reused, at 3, 30 and N entities.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
RUNS = 7


def main() -> None:
    step, entities, snapshots = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.render.seed import seed
    from entities.models import Entity, Membership
    from reports.models import ReportRun
    from reports.registry import REGISTRY
    from reports.services import report_render, report_request

    users = get_user_model()
    if step == "seed":
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        seed(entities=entities, snapshots=snapshots)
        with connection.cursor() as cursor:
            # Planner statistics for the new rows, as PostgreSQL's autovacuum gathers them
            # within a minute of a bulk load (SQLite gathers none by itself); on PostgreSQL the
            # vacuum too, so that autovacuum does not do it on the same two cores while the
            # timings run.
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        users.objects.create_superuser("bench", "bench@example.com", os.environ["BENCH_PASSWORD"])
        ids = list(Entity.objects.order_by("id").values_list("id", flat=True))
        for size in sorted({3, 30, entities}):
            member = users.objects.create_user(f"member{size}", password="x")
            Membership.objects.bulk_create(
                Membership(user=member, entity_id=pk, persona="ceo") for pk in ids[:size]
            )
        print(json.dumps({"seed_s": time.perf_counter() - started}))
        return
    root = users.objects.get(username="bench")
    members = {
        int(u.username.removeprefix("member")): u
        for u in users.objects.filter(username__startswith="member")
    }
    today = dt.date(2026, 11, 25)
    results = {}
    yardstick: list[float] = []
    for slug in REGISTRY:
        built: list[float] = []
        found: list[float] = []
        for _ in range(RUNS):
            ReportRun.objects.all().delete()
            yardstick.append(_yardstick())
            t0 = time.perf_counter()
            run = report_render(report_request(persona=slug, user=root, today=today), user=root)
            built.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            report_render(report_request(persona=slug, user=root, today=today), user=root)
            found.append(time.perf_counter() - t0)
        queries = {}
        for size, member in members.items():
            ReportRun.objects.all().delete()
            with CaptureQueriesContext(connection) as fresh:
                report_render(report_request(persona=slug, user=member, today=today))
            with CaptureQueriesContext(connection) as again:
                report_render(report_request(persona=slug, user=member, today=today))
            queries[size] = [len(fresh), len(again)]
        results[slug] = {
            "build_ms": statistics.median(built) * 1000,
            "build_best_ms": min(built) * 1000,
            "stored_ms": statistics.median(found) * 1000,
            "page_kb": len(run.html.encode()) / 1024,
            "queries": queries,
        }
    print(json.dumps({"entities": entities, "snapshots": snapshots,
                      "vendor": connection.vendor, "personas": results,
                      "yardstick_ms": [statistics.median(yardstick) * 1000,
                                       min(yardstick) * 1000]}))  # fmt: skip


def _yardstick() -> float:
    """The same fixed pure-Python work every time: how fast the machine itself was while the
    reports were timed (a shared virtual machine's speed can swing by half)."""
    started = time.perf_counter()
    total = 0
    for n in range(100_000):
        total += n * n
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
