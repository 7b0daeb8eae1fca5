"""Faults with real processes: a worker killed with SIGKILL mid-run, SES throttling for a while,
Redis restarted mid-run. Every delivery is sent exactly once, or marked uncertain; never twice."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from delivery.models import Delivery, DeliveryStatus
from delivery.services import deliveries_sweep
from tests.delivery.conftest import broker, wait_until, worker_env, workers
from tests.delivery.factories import queue
from tests.services import celery_worker, own_redis_server, redis_server, ses_proxy

pytestmark = [pytest.mark.fault, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

IN_FLIGHT = [DeliveryStatus.QUEUED, DeliveryStatus.SENDING]


def _queue_many(count: int, prefix: str) -> list[int]:
    return [
        queue(key=f"{prefix}:{n}", to=f"r{n}@quarterdeck.test", bcc=[],
              subject=f"Report {n}")[0].pk
        for n in range(count)
    ]


def _count(status: str | list[str]) -> int:
    statuses = [status] if isinstance(status, str) else status
    return Delivery.objects.filter(status__in=statuses).count()


def _wait_for_stall(*, timeout: float, log: Path, quiet: float = 3.0) -> None:
    """Until nothing has moved in the ledger for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = (_count(DeliveryStatus.QUEUED), _count(DeliveryStatus.SENDING),
               _count(DeliveryStatus.SENT))
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)
    print(log.read_text()[-20000:])
    raise AssertionError("the ledger kept moving")


def _sweep_everything_left() -> None:
    # As the beat sweeper would, once its waits have passed: lost tasks are queued again,
    # interrupted sends become uncertain.
    deliveries_sweep(now=timezone.now() + timedelta(hours=1))


def _assert_each_sent_once_or_uncertain(ses, ids: list[int], *, max_uncertain: int) -> None:
    rows = list(Delivery.objects.filter(pk__in=ids))
    statuses = Counter(d.status for d in rows)
    assert set(statuses) <= {DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN}, statuses
    assert statuses[DeliveryStatus.UNCERTAIN] <= max_uncertain
    received = ses.received()
    per_address = Counter(a for m in received for a in set(m["destinations"]))
    assert max(per_address.values()) == 1, "someone got two emails"
    sent = {d.to for d in rows if d.status == DeliveryStatus.SENT}
    assert sent <= set(per_address)
    # An uncertain one may or may not have reached SES; a sent one did, once.
    assert len(received) in range(len(sent), len(sent) + statuses[DeliveryStatus.UNCERTAIN] + 1)


def test_a_worker_killed_mid_run_and_restarted_sends_each_once_or_marks_it_uncertain(
    ses, settings, monkeypatch, tmp_path: Path
):
    ses.client().verify_domain_identity(Domain="quarterdeck.test")
    log = tmp_path / "workers.log"
    with redis_server() as url, broker(url, monkeypatch):
        env = worker_env(ses=ses, broker_url=url, queue=settings.DELIVERY_QUEUE,
                         SES_MAX_SEND_RATE="1000")
        ids = _queue_many(200, "kill")
        with celery_worker(queue=settings.DELIVERY_QUEUE, env=env, log=log) as first:
            wait_until(lambda: _count(DeliveryStatus.SENT) >= 60, timeout=90, log=log)
            first.kill()  # SIGKILL: no goodbye, its task unacknowledged
            first.wait()
        killed_at = _count(DeliveryStatus.SENT)
        assert killed_at < 200
        with celery_worker(queue=settings.DELIVERY_QUEUE, env=env, log=log):
            wait_until(lambda: log.read_text().count(" ready.") >= 2, timeout=60, log=log)
            _wait_for_stall(timeout=120, log=log)
            _sweep_everything_left()
            wait_until(lambda: _count(DeliveryStatus.QUEUED) == 0, timeout=60, log=log)
            _wait_for_stall(timeout=60, log=log)
    _assert_each_sent_once_or_uncertain(ses, ids, max_uncertain=1)


def test_ses_throttling_for_a_while_delays_but_delivers_everything_once(
    ses, settings, monkeypatch, tmp_path: Path
):
    ses.client().verify_domain_identity(Domain="quarterdeck.test")
    log = tmp_path / "workers.log"
    with (
        ses_proxy(ses.url, throttle_first=25) as proxy,
        redis_server() as url,
        broker(url, monkeypatch),
    ):
        env = worker_env(ses=proxy.url, broker_url=url, queue=settings.DELIVERY_QUEUE,
                         SES_MAX_SEND_RATE="1000", DELIVERY_RETRY_BACKOFF_SECONDS="0.05",
                         DELIVERY_MAX_ATTEMPTS="30")
        ids = _queue_many(20, "throttle")
        with workers(2, env=env, queue=settings.DELIVERY_QUEUE, log=log):
            wait_until(lambda: _count(IN_FLIGHT) == 0, timeout=90, log=log)
    assert proxy.throttled == 25
    assert _count(DeliveryStatus.SENT) == 20
    assert Delivery.objects.filter(pk__in=ids, attempts__gt=1).exists()
    _assert_each_sent_once_or_uncertain(ses, ids, max_uncertain=0)


def test_redis_restarted_mid_run_loses_nothing(ses, settings, monkeypatch, tmp_path: Path):
    ses.client().verify_domain_identity(Domain="quarterdeck.test")
    log = tmp_path / "workers.log"
    # Our own Redis, without persistence: a restart forgets every queued task, the harsh case.
    with own_redis_server() as (url, restart), broker(url, monkeypatch):
        env = worker_env(ses=ses, broker_url=url, queue=settings.DELIVERY_QUEUE,
                         SES_MAX_SEND_RATE="1000")
        ids = _queue_many(80, "redis")
        with celery_worker(queue=settings.DELIVERY_QUEUE, env=env, log=log):
            wait_until(lambda: _count(DeliveryStatus.SENT) >= 15, timeout=90, log=log)
            restart()
            assert _count(DeliveryStatus.SENT) < 80
            # The worker reconnects by itself; what the restart forgot, the sweeper queues.
            wait_until(lambda: log.read_text().count("Connected to redis") >= 2, timeout=60,
                       log=log)
            _wait_for_stall(timeout=120, log=log)
            _sweep_everything_left()
            wait_until(lambda: _count(DeliveryStatus.QUEUED) == 0, timeout=90, log=log)
            _wait_for_stall(timeout=60, log=log)
    _assert_each_sent_once_or_uncertain(ses, ids, max_uncertain=1)
