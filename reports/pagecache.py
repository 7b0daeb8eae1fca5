"""Finished report pages, kept per session for a short while.

Opening a report again (a refresh, the back button, a dashboard on a wall) is the common load.
The stored run already spares the build; this also spares drawing the page around it, which
costs more than everything else in a repeated view. An entry is keyed by the session, the user
and the report's full key — persona, entities, dates and the fingerprint of the stored notes —
so a new note is a new key exactly as for stored runs; the short lifetime only bounds how long
the page's own frame (the user's name, the menu) may lag behind. Per process, bounded.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable


class PageCache:
    def __init__(self, *, max_pages: int = 256, seconds: float = 60.0) -> None:
        self.max_pages = max_pages
        self.seconds = seconds
        self._pages: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            expires, content = found
            if expires < time.monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return content

    def put(self, key: Hashable, content: bytes) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic() + self.seconds, content)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


PAGES = PageCache()
