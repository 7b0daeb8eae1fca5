"""A small HTTP load generator: N client processes, each one request after another on a new
connection (gunicorn's sync workers close every connection), for a fixed time."""

from __future__ import annotations

import http.client
import multiprocessing
import time
from urllib.parse import urlsplit


def _client(urls: list[str], cookie: str, seconds: float, out: multiprocessing.Queue) -> None:
    parts = urlsplit(urls[0])
    paths = [urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
             for u in urls]  # fmt: skip
    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path = paths[(done + failed) % len(paths)]
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Cookie": cookie, "Connection": "close"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                done += 1
            else:
                failed += 1
        except OSError:
            failed += 1
        finally:
            connection.close()
    out.put((done, failed))


def throughput(urls: list[str], *, cookie: str = "", seconds: float = 10, clients: int = 8) -> dict:
    """Requests per second answered 200, over `seconds`, with `clients` in parallel, each
    asking for the urls in turn."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_client, args=(urls, cookie, seconds, out))
        for _ in range(clients)
    ]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    done = sum(r[0] for r in results)
    return {"rps": done / elapsed, "ok": done, "failed": sum(r[1] for r in results)}
