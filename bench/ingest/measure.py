"""One measurement, in a process of its own: `measure.py N WORKDIR` prints one JSON line.

1. Generate N notes from the example portfolio (each a distinct entity, numbers varied).
2. Time markdown rendering and parsing of all N, one pass each.
3. Migrate a fresh database and time the full ingest once, counting queries.
(Each step is warmed up first on the example notes, under other slugs.)
4. Report peak memory of the whole process.
"""

from __future__ import annotations

import json
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
        paths.append(path)
    return paths


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


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

    render_s, parse_s = timed(render_all), timed(parse_all)
    texts.clear()  # the ingest reads the files itself; keep peak memory the ingest's own

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from entities.models import Snapshot
    from entities.services import handoffs_ingest

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
    assert report.summary["snapshots_created"] == count, report.summary
    assert Snapshot.objects.count() == count + len(warm_paths)
    print(
        json.dumps(
            {
                "notes": count,
                "render_per_s": rate(count, render_s),
                "parse_per_s": rate(count, parse_s),
                "ingest_per_s": rate(count, ingest_s),
                "queries_per_note": queries / count,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
