"""One measurement, in a process of its own: `measure.py N WORKDIR` prints one JSON line.

1. Generate N notes from the example portfolio (each a distinct entity, numbers varied),
   last modified an hour ago, as notes that change a few times a month are.
2. Time markdown rendering and parsing of all N, one pass each.
3. Migrate a fresh database and time the first ingest, counting queries.
4. Time the hourly re-ingest (the Celery task's own code) of the N notes, unchanged: twice,
   the faster kept, counting the queries of the last.
(Each step is warmed up first on the example notes, under other slugs.)
5. Beside each timed step, a fixed pure-Python loop (the yardstick): how fast the machine
   itself was meanwhile. Report peak memory of the whole process.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
EXAMPLES = sorted((ROOT / "examples" / "handoffs").rglob("*.md"))
AN_HOUR_AGO_NS = time.time_ns() - 3600 * 10**9
NUMBER = re.compile(r"(?<![\w.-])(\d{1,3}(?:,\d{3})+|\d+)(?![\w-])")


def generate(count: int, folder: Path, prefix: str = "entity") -> list[Path]:
    rng = random.Random(42)
    templates = [p.read_text(encoding="utf-8") for p in EXAMPLES]
    paths = []
    for n in range(count):
        text = templates[n % len(templates)]
        text = re.sub(r"^slug: .*$", f"slug: {prefix}-{n}", text, count=1, flags=re.M)
        text = re.sub(r"^name: (.*)$", rf"name: \1 #{n}", text, count=1, flags=re.M)

        def vary(match: re.Match[str]) -> str:
            digits = match.group(1).replace(",", "")
            if len(digits) == 4 and digits.startswith("20"):
                return match.group(1)  # a year: keep dates valid
            value = max(1, int(int(digits) * rng.uniform(0.8, 1.2)))
            return f"{value:,}" if "," in match.group(1) else str(value)

        body_start = text.find("\n---", 3)
        text = text[: body_start + 4] + NUMBER.sub(vary, text[body_start + 4 :])
        path = folder / f"{n // 1000:03d}" / f"{prefix}-{n}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(AN_HOUR_AGO_NS, AN_HOUR_AGO_NS))
        paths.append(path)
    return paths


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def yardstick() -> float:
    """The same fixed pure-Python work every time: a shared machine's speed can swing by half,
    and this says how fast it was while the ingest was timed."""
    started = time.perf_counter()
    total = 0
    for n in range(100_000):
        total += n * n
    return time.perf_counter() - started


def timed(work) -> float:
    # One pass each, like the ingest (which cannot be repeated on the same database).
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    count, work = int(sys.argv[1]), Path(sys.argv[2])
    notes, warm = work / "notes", work / "warm-up"
    paths = generate(count, notes)
    texts = [p.read_text(encoding="utf-8") for p in paths]
    # Warm-up: first-call costs (imports, regex compiles, first queries) count nowhere.
    warm_paths = generate(len(EXAMPLES), warm, prefix="warm")
    warm_texts = [p.read_text(encoding="utf-8") for p in warm_paths]

    import markdown

    from entities.handoff import parse_handoff

    for text in warm_texts:
        markdown.markdown(text, extensions=["tables"])
        parse_handoff(text)

    def render_all() -> None:
        for text in texts:
            markdown.markdown(text, extensions=["tables"])  # results dropped, as the ingest does

    def parse_all() -> None:
        for text, path in zip(texts, paths, strict=True):
            parse_handoff(text, path=str(path))

    sticks = [yardstick()]
    render_s = timed(render_all)
    sticks.append(yardstick())
    parse_s = timed(parse_all)
    sticks.append(yardstick())
    texts.clear()  # the ingest reads the files itself; keep peak memory the ingest's own

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from entities.models import Snapshot
    from entities.services import handoffs_ingest
    from entities.tasks import ingest_handoffs

    call_command("migrate", verbosity=0)
    handoffs_ingest(paths=[warm], keep_files=False)
    queries = 0

    def count_queries(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(count_queries):
        report = handoffs_ingest(paths=[notes], keep_files=False)
    ingest_s = time.perf_counter() - start
    sticks.append(yardstick())
    assert report.summary["snapshots_created"] == count, report.summary
    assert Snapshot.objects.count() == count + len(warm_paths)
    first_queries = queries

    # The hourly run: the task itself, over HANDOFF_DIR, every note unchanged.
    settings.HANDOFF_DIRS = [notes]
    reingest: list[float] = []
    for _ in range(2):
        queries = 0
        start = time.perf_counter()
        with connection.execute_wrapper(count_queries):
            summary = ingest_handoffs()
        reingest.append(time.perf_counter() - start)
        sticks.append(yardstick())
        assert summary["skipped_unchanged"] == count, summary
    print(
        json.dumps(
            {
                "notes": count,
                "render_per_s": rate(count, render_s),
                "parse_per_s": rate(count, parse_s),
                "ingest_per_s": rate(count, ingest_s),
                "queries_per_note": first_queries / count,
                "reingest_s": min(reingest),
                "reingest_queries": queries,
                "yardstick_ms": sorted(sticks)[len(sticks) // 2] * 1000,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
