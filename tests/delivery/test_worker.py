"""End to end: delivery_queue in this process, a real Celery worker on Redis, django-ses, and the
SES stand-in; what SES received is what the ledger holds."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from delivery.models import Delivery, DeliveryStatus
from delivery.tasks import send_delivery
from tests.delivery.conftest import broker, wait_until, worker_env, workers
from tests.services import redis_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _done(ids: list[int]) -> bool:
    return not Delivery.objects.filter(
        pk__in=ids, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]
    ).exists()


def test_a_worker_sends_each_delivery_once_exactly_as_stored(ses, settings, monkeypatch,
                                                            tmp_path: Path):
    ses.client().verify_domain_identity(Domain="quarterdeck.test")
    log = tmp_path / "worker.log"
    with redis_server() as url, broker(url, monkeypatch):
        env = worker_env(ses=ses, broker_url=url, queue=settings.DELIVERY_QUEUE,
                         SES_MAX_SEND_RATE="1000")
        with workers(1, env=env, queue=settings.DELIVERY_QUEUE, log=log):
            from tests.delivery.factories import queue

            deliveries = [
                queue(
                    key=f"report:run=7:recipient={n}",
                    to=f"exec{n}@quarterdeck.test",
                    subject=f"CEO report · Portfolio · 2026-11-2{n}",
                    body_text=f"Revenue {n}\n",
                    body_html=f"<h1>Revenue {n}</h1>",
                    headers={"List-Unsubscribe": f"<https://q.example/u/{n}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                    bcc=["audit@quarterdeck.test"],
                )[0]
                for n in range(3)
            ]
            ids = [d.pk for d in deliveries]
            wait_until(lambda: _done(ids), timeout=60, log=log)

    received = {m["id"]: m for m in ses.received()}
    assert len(received) == 3
    for delivery in Delivery.objects.filter(pk__in=ids):
        assert delivery.status == DeliveryStatus.SENT, delivery.last_error
        message = received[delivery.ses_message_id]
        assert set(message["destinations"]) == {delivery.to, "audit@quarterdeck.test"}
        parsed = email.message_from_string(
            message["raw_data"].replace("\r\n", "\n"), policy=policy.default
        )
        assert parsed["To"] == delivery.to and parsed["Bcc"] is None
        assert parsed["Subject"] == delivery.subject
        assert parsed["List-Unsubscribe"] == delivery.headers["List-Unsubscribe"]
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert parsed.get_body(("plain",)).get_content() == delivery.body_text
        assert parsed.get_body(("html",)).get_content().strip() == delivery.body_html


def test_two_workers_racing_for_the_same_delivery_send_it_once(ses, settings, monkeypatch,
                                                              tmp_path: Path):
    ses.client().verify_domain_identity(Domain="quarterdeck.test")
    log = tmp_path / "workers.log"
    with redis_server() as url, broker(url, monkeypatch):
        env = worker_env(ses=ses, broker_url=url, queue=settings.DELIVERY_QUEUE,
                         SES_MAX_SEND_RATE="1000")
        from tests.delivery.factories import queue

        delivery, _ = queue(to="race@quarterdeck.test", bcc=[])
        # Many copies of its task wait before the workers start, so both take copies at once.
        for _ in range(20):
            send_delivery.apply_async(args=[delivery.pk], queue=settings.DELIVERY_QUEUE)
        with workers(2, env=env, queue=settings.DELIVERY_QUEUE, log=log):
            wait_until(lambda: _done([delivery.pk]), timeout=60, log=log)
            # Let every copy be consumed before counting.
            wait_until(lambda: log.read_text().count("succeeded in") >= 21, timeout=60, log=log)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert len(ses.received()) == 1
