"""A send rate shared by every worker and process: never faster than SES_MAX_SEND_RATE in total.

Celery's ``rate_limit`` is per worker. Here each send reserves the next free slot in one shared
place, spaced 1/rate apart, and sleeps until its slot: Redis (an atomic Lua script, on Redis's own
clock) where Redis is the broker, or a lock file (fcntl) on one machine for the embedded demo.
No burst is allowed, so every one-second window holds at most ``rate`` sends (see the margins
below).

Plain Python, no Django: the settings choose the URL (``DELIVERY_RATE_LIMIT_URL``).
"""

from __future__ import annotations

import fcntl
import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import redis

REDIS_KEY = "quarterdeck:delivery:next-send-slot"

# KEYS[1] holds the next free slot in microseconds of Redis's clock. The script takes the later of
# now and that slot, moves the slot one interval on, and answers how long to wait. Redis runs a
# script alone, so two callers never get the same slot.
_RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
redis.call('SET', KEYS[1], string.format('%d', slot + interval), 'PX', ARGV[2])
return slot - now
"""


class SlotLimiter(Protocol):
    def reserve(self, *, rate: float) -> float:
        """Reserve the next send slot; answers the seconds to wait for it."""
        ...


class RedisSlotLimiter:
    def __init__(self, url: str) -> None:
        # Short timeouts: a Redis that is down must be a quick, retryable error, not a hang.
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._script = self._client.register_script(_RESERVE_SCRIPT)

    def reserve(self, *, rate: float) -> float:
        interval_us = round(1_000_000 / rate)
        # The key expires once it is well in the past, so an idle system leaves nothing behind.
        wait_us = int(self._script(keys=[REDIS_KEY], args=[interval_us, 60_000]))
        return wait_us / 1_000_000


class FileSlotLimiter:
    """The next free slot (wall-clock seconds) in a small file, read and moved under an exclusive
    fcntl lock: every process on this machine shares it, and no server is needed."""

    def __init__(self, path: Path) -> None:
        self._path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def reserve(self, *, rate: float) -> float:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            try:
                slot = float(raw)
            except ValueError:  # a new (or damaged) file: start from now
                slot = 0.0
            now = time.time()
            slot = max(slot, now)
            data = f"{slot + 1 / rate:.6f}".encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            return slot - now
        finally:
            os.close(fd)  # closing releases the lock


@lru_cache(maxsize=8)
def limiter_for(url: str) -> SlotLimiter:
    """The limiter a URL names (one per process and URL, so Redis connections are reused)."""
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        return RedisSlotLimiter(url)
    if scheme == "file":
        return FileSlotLimiter(Path(urlsplit(url).path))
    raise ValueError(f"DELIVERY_RATE_LIMIT_URL must be redis://… or file:///path, not {url!r}")


# A send leaves a little after its slot (waking up on a busy machine). Slots are spaced a little
# wider than 1/rate, so that rate+1 sends always span a full second when each leaves at most
# SEND_SLACK after its slot; a send that woke later than that gives its slot up and takes the
# next free one. Every one-second window then holds at most `rate` calls, at a cost of about 4 %
# of the rate.
SEND_SLACK = 0.04


def wait_for_send_slot(*, url: str, rate: float) -> float:
    """Reserve a slot and sleep until it; answers the seconds waited."""
    limiter = limiter_for(url)
    spaced = rate / (1 + SEND_SLACK)
    waited = 0.0
    for _ in range(10):
        wait = limiter.reserve(rate=spaced)
        due = time.monotonic() + wait
        if wait > 0:
            time.sleep(wait)
        waited += wait
        if time.monotonic() - due <= SEND_SLACK:
            break
    return waited
