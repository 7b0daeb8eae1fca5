"""A small HTTP load generator: N client processes, each one request after another on a new
connection (gunicorn's sync workers close every connection), for a fixed time. GETs by default;
a body makes them another method, with "{seq}" in it replaced by a number unique to each
request (so each POST can create something new)."""

from __future__ import annotations

import http.client
import multiprocessing
import os
import time
from urllib.parse import urlsplit


def _client(urls: list[str], cookie: str, seconds: float, out: multiprocessing.Queue,
            method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> None:  # fmt: skip
    parts = urlsplit(urls[0])
    paths = [urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
             for u in urls]  # fmt: skip
    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path = paths[(done + failed) % len(paths)]
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            seq = f"{os.getpid()}-{done + failed}".encode()
            sent = body.replace(b"{seq}", seq) if body else None
            connection.request(method, path, body=sent,
                               headers={"Cookie": cookie, "Connection": "close", **(headers or {})})
            response = connection.getresponse()
            response.read()
            if 200 <= response.status < 300:
                done += 1
            else:
                failed += 1
        except OSError:
            failed += 1
        finally:
            connection.close()
    out.put((done, failed))


def throughput(urls: list[str], *, cookie: str = "", seconds: float = 10, clients: int = 8,
               method: str = "GET", body: bytes | None = None,
               headers: dict[str, str] | None = None) -> dict:  # fmt: skip
    """Requests per second answered 2xx, over `seconds`, with `clients` in parallel, each
    asking for the urls in turn."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_client,
                                args=(urls, cookie, seconds, out, method, body, headers))
        for _ in range(clients)
    ]  # fmt: skip
    started = time.monotonic()
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    done = sum(r[0] for r in results)
    return {"rps": done / elapsed, "ok": done, "failed": sum(r[1] for r in results)}
