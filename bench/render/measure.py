"""One measurement: `measure.py seed N M` prepares a fresh database, then `measure.py time N M`
prints one JSON line, in another process (as a web process, it never made the data itself).

1. seed: migrate and seed N entities x M snapshots (bench/render/seed.py), and users: a
   superuser "bench" (password in BENCH_PASSWORD) and members of 3, 30 and N entities.
2. time: for each persona's portfolio report: the time to build and render it (load the rows,
   run the builder, render the page), the median of several runs, in three states of the
   process's row cache: cold (nothing cached: a process that has not warmed up), warm (every
   snapshot's rows cached, as in a web worker after its warm-up or first report), and after a
   new note (warm, then one entity's new note arrives, whose rows are read: the event that
   makes a stored report be rendered again); the size of the page; and the queries of a full
   `report_render` at 3, 30 and N entities.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import random
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

    from bench.render.seed import note_arrives, seed
    from entities.models import Entity, Membership
    from reports.models import ReportRun
    from reports.personas.common import coverage
    from reports.personas.data import PORTFOLIO
    from reports.registry import REGISTRY
    from reports.rowcache import ROWS
    from reports.selectors import report_data_load, report_entities
    from reports.services import _render, report_render

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
    refs = report_entities(user=root)
    rng = random.Random(7)
    arrivals = iter(Entity.objects.order_by("?"))
    results = {}
    yardstick: list[float] = []
    for slug, report in REGISTRY.items():
        timings: dict[str, list[float]] = {"cold": [], "warm": [], "new_note": []}
        for mode in ("cold", "warm", "new_note"):
            # Each state on its own: the collector's work left by the cold reads (a hundred
            # thousand new objects) is paid here, not inside the next state's timings.
            gc.collect()
            for _ in range(RUNS):
                yardstick.append(_yardstick())
                if mode == "cold":
                    ROWS.clear()
                elif mode == "new_note":
                    # What makes a report be built again: one entity's new note. The rows of
                    # the notes already read are in memory; the new note's are read.
                    note_arrives(next(arrivals), rng)
                t0 = time.perf_counter()
                data = report_data_load(
                    entities=refs, scope=PORTFOLIO, as_of=None, today=today, needs=report.needs
                )
                context = report.build(data)
                html, _ = _render(
                    report, view="page", context=context, data=data, cov=coverage(data)
                )
                timings[mode].append(time.perf_counter() - t0)
        queries = {}
        for size, member in members.items():
            ReportRun.objects.all().delete()
            ROWS.clear()
            with CaptureQueriesContext(connection) as fresh:
                report_render(persona=slug, user=member, today=today)
            with CaptureQueriesContext(connection) as again:
                report_render(persona=slug, user=member, today=today)
            queries[size] = [len(fresh), len(again)]
        results[slug] = {
            "cold_ms": statistics.median(timings["cold"]) * 1000,
            "warm_ms": statistics.median(timings["warm"]) * 1000,
            "warm_best_ms": min(timings["warm"]) * 1000,
            "new_note_ms": statistics.median(timings["new_note"]) * 1000,
            "page_kb": len(html.encode()) / 1024,
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
