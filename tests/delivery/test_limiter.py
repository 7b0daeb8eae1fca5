"""The send rate is shared: several real processes together never go faster than the rate."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from delivery.limiter import REDIS_KEY, FileSlotLimiter, RedisSlotLimiter, limiter_for
from tests.services import ROOT, redis_server

RATE = 20.0
PROCESSES = 3
EACH = 10

# Each process reserves slots and prints when it woke for each one.
_SCRIPT = """
import sys, time
from delivery.limiter import wait_for_send_slot
url, rate, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
for _ in range(count):
    wait_for_send_slot(url=url, rate=rate)
    print(repr(time.time()), flush=True)
"""


def _run_processes(url: str) -> list[float]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, url, str(RATE), str(EACH)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        for _ in range(PROCESSES)
    ]
    times = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        times.extend(float(line) for line in out.split())
    return sorted(times)


def _assert_never_faster_than_the_rate(times: list[float]) -> None:
    assert len(times) == PROCESSES * EACH
    per_second = int(RATE)
    # Any RATE+1 consecutive sends span at least a second (less a little wake-up jitter), so
    # no one-second window holds more than RATE of them.
    tightest = min(times[i + per_second] - times[i] for i in range(len(times) - per_second))
    assert tightest >= 1.0 - 0.05
    # Shared, not per process: three processes alone would each take only a third of the time.
    assert times[-1] - times[0] >= (len(times) - 1) / RATE - 0.05


def test_processes_sharing_a_lock_file_share_the_rate(tmp_path: Path):
    _assert_never_faster_than_the_rate(_run_processes(f"file://{tmp_path / 'rate.lock'}"))


@pytest.mark.worker
def test_processes_sharing_redis_share_the_rate():
    with redis_server() as url:
        redis.Redis.from_url(url).delete(REDIS_KEY)
        _assert_never_faster_than_the_rate(_run_processes(url))


def test_an_idle_limiter_grants_a_slot_at_once_and_the_next_one_interval_later(tmp_path: Path):
    limiter = FileSlotLimiter(tmp_path / f"{uuid.uuid4().hex}.lock")
    assert limiter.reserve(rate=2) == pytest.approx(0, abs=0.01)
    assert limiter.reserve(rate=2) == pytest.approx(0.5, abs=0.05)


def test_a_damaged_lock_file_starts_again_from_now(tmp_path: Path):
    path = tmp_path / "rate.lock"
    path.write_text("garbage")
    assert FileSlotLimiter(path).reserve(rate=1) == pytest.approx(0, abs=0.01)


def test_the_url_chooses_the_limiter(tmp_path: Path):
    assert isinstance(limiter_for(f"file://{tmp_path}/x.lock"), FileSlotLimiter)
    assert isinstance(limiter_for("redis://127.0.0.1:6379/5"), RedisSlotLimiter)
    with pytest.raises(ValueError, match="DELIVERY_RATE_LIMIT_URL"):
        limiter_for("memcached://localhost")
