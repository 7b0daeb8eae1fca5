"""A per-process cache of snapshot rows, because a snapshot never changes once stored.

Ingestion writes a new snapshot for every changed note and never rewrites one, and ids are
never reused (sequences on PostgreSQL, AUTOINCREMENT on SQLite), so the rows of a snapshot —
its metrics of a section, its items of a kind, its receivables, its narrative — can be kept in
memory and reused by every later report. Only the snapshot headers are read each time (one
query, ids only); headers and rows are read for the snapshots not seen yet. `reports.apps`
drops a snapshot's rows when it or any of its rows is saved or deleted (an edit in the admin),
so a stale row is not served. (Tests, whose rolled-back transactions can reuse an id, clear
the cache between tests.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

PartKey = tuple[int, str]  # (snapshot id, "h" header | "m:kpis" | "i:risk" | "r" | "n")


class RowCache:
    """A bounded map of (snapshot, part) -> tuple of rows, safe across threads. The oldest
    entries go first when it is full (first in, first out: cheaper than tracking every hit,
    and the rows of old snapshots are the ones reports stop asking for)."""

    # About 2 KB a part on average (measured: 5,800 parts, 13 MB, for 100 entities x 12 notes),
    # so at most some 120 MB a process: a year of notes for about a thousand entities.
    def __init__(self, max_parts: int = 60_000) -> None:
        self.max_parts = max_parts
        self._parts: OrderedDict[PartKey, tuple[Any, ...]] = OrderedDict()
        self._by_snapshot: dict[int, set[PartKey]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: list[PartKey]) -> tuple[dict[PartKey, tuple[Any, ...]], list[PartKey]]:
        found: dict[PartKey, tuple[Any, ...]] = {}
        missing: list[PartKey] = []
        with self._lock:
            for key in keys:
                rows = self._parts.get(key)
                if rows is None:
                    missing.append(key)
                else:
                    found[key] = rows
            self.hits += len(found)
            self.misses += len(missing)
        return found, missing

    def put_many(self, parts: dict[PartKey, tuple[Any, ...]]) -> None:
        with self._lock:
            self._parts.update(parts)
            for key in parts:
                self._by_snapshot.setdefault(key[0], set()).add(key)
            while len(self._parts) > self.max_parts:
                key, _ = self._parts.popitem(last=False)
                self._unindex(key)

    def _unindex(self, key: PartKey) -> None:
        keys = self._by_snapshot.get(key[0])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_snapshot[key[0]]

    def forget_snapshot(self, snapshot_id: int) -> None:
        with self._lock:
            for key in self._by_snapshot.pop(snapshot_id, ()):
                self._parts.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()
            self._by_snapshot.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._parts)

    @property
    def nearly_full(self) -> bool:
        return len(self._parts) >= self.max_parts * 0.8


ROWS = RowCache()
