"""End to end: delivery_queue in this process, a real Celery worker on Redis, django-ses, and the
SES stand-in; what SES received is what the ledger holds."""

from __future__ import annotations

import email
import re
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


def test_the_embedded_demo_path_sends_through_the_file_backend_and_shares_the_rate(
    settings, monkeypatch, tmp_path: Path
):
    # The demo: SQLite, kombu's filesystem broker, the lock-file limiter, email written to files.
    # Two worker processes share one rate.
    from django.conf import settings as django_settings

    from tests.delivery.factories import queue
    from tests.services import project_env

    folder = Path(django_settings.CELERY_BROKER_DIR) / "queue"
    folder.mkdir(parents=True, exist_ok=True)
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder),
               "control_folder": str(folder.parent / "control")}
    outbox, log = tmp_path / "outbox", tmp_path / "workers.log"
    from tests.delivery.conftest import database_url_for_children

    env = project_env(
        DATABASE_URL=database_url_for_children(),
        CELERY_BROKER_URL="filesystem://",
        CELERY_RESULT_BACKEND=f"file://{tmp_path}",
        EMAIL_FILE_PATH=str(outbox),
        DELIVERY_QUEUE=settings.DELIVERY_QUEUE,
        DELIVERY_RATE_LIMIT_URL=f"file://{tmp_path / 'rate.lock'}",
        SES_MAX_SEND_RATE="5",
    )
    with broker("filesystem://", monkeypatch, transport_options=options):
        ids = [queue(key=f"demo:{n}", to=f"r{n}@example.com")[0].pk for n in range(10)]
        with workers(2, env=env, queue=settings.DELIVERY_QUEUE, log=log):
            wait_until(lambda: _done(ids), timeout=90, log=log)

    rows = list(Delivery.objects.filter(pk__in=ids).order_by("sent_at"))
    assert all(d.status == DeliveryStatus.SENT for d in rows)
    # One message per delivery, none twice. Django's file backend names a file by the second and
    # the id() of its connection, which a later connection may reuse: two messages can share a
    # file, so the messages are counted, not the files.
    written = "".join(path.read_text() for path in outbox.iterdir())
    assert sorted(re.findall(r"^To: (\S+)$", written, re.M)) == sorted(d.to for d in rows)
    # Ten sends at 5/s take at least 9 slot spacings, whichever worker made them.
    assert (rows[-1].sent_at - rows[0].sent_at).total_seconds() >= 9 / 5 - 0.2
    assert log.read_text().count("ready.") == 2
