"""Report emails end to end: send_reports queues, a real Celery worker on Redis renders and
sends through the real django-ses backend to the SES stand-in, and SES has what we meant."""

from __future__ import annotations

import email
import email.policy
import uuid
from email.message import Message
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from config.celery import app
from delivery.models import Delivery
from entities.services import handoffs_ingest
from reports.models import Recipient, ReportDelivery
from tests.delivery.conftest import (  # noqa: F401  (fixtures)
    SENDER,
    _ses_session,
    broker,
    ses,
    wait_until,
    worker_env,
    workers,
)
from tests.services import redis_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"


def _parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    }


def test_send_reports_reaches_ses_once_per_recipient_with_both_bodies_bcc_and_headers(
    ses, settings, monkeypatch, tmp_path  # noqa: F811
):
    settings.ADMIN_BCC_ADDRESS = "audit@quarterdeck.test"
    handoffs_ingest(paths=[EXAMPLES])
    cfo = Recipient.objects.create(email="cfo@quarterdeck.test", persona="cfo")
    jada = Recipient.objects.create(email="jada@quarterdeck.test", persona="cfo",
                                    entity_id=_entity_id("jada"))  # fmt: skip
    queue = f"qd-reports-test-{uuid.uuid4().hex[:8]}"
    settings.DELIVERY_QUEUE = queue
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    ses.reset(verified=(SENDER, "quarterdeck.test"))  # the sandbox: recipients verified too
    log = tmp_path / "worker.log"
    with redis_server() as url, broker(url, monkeypatch):
        env = worker_env(ses=ses, broker_url=url, queue=queue,
                         ADMIN_BCC_ADDRESS="audit@quarterdeck.test",
                         SES_MAX_SEND_RATE="50")  # fmt: skip
        with workers(1, env=env, queue=queue, log=log):
            call_command("send_reports", "--persona", "cfo", stdout=StringIO())
            # The same again, as a second press or a task delivered twice would: nothing more.
            call_command("send_reports", "--persona", "cfo", stdout=StringIO())
            wait_until(
                lambda: Delivery.objects.filter(kind="report", status="sent").count() == 2,
                timeout=120, log=log,
            )  # fmt: skip
            wait_until(lambda: len(ses.received()) == 2, timeout=30, log=log)

    received = {email.message_from_string(m["raw_data"])["To"]: m for m in ses.received()}
    assert set(received) == {"cfo@quarterdeck.test", "jada@quarterdeck.test"}
    assert Delivery.objects.filter(kind="report").count() == 2
    for to, raw in received.items():
        message = email.message_from_string(raw["raw_data"], policy=email.policy.default)
        assert raw["source"] == f"Quarterdeck <{SENDER}>"
        # The audit copy is a blind one: SES is told of it, the message does not show it.
        assert "audit@quarterdeck.test" in raw["destinations"] and "Bcc" not in message
        link = ReportDelivery.objects.get(delivery__to=to)
        scope = "Portfolio" if link.recipient == cfo else "JADA"
        assert message["Subject"] == f"CFO report · {scope} · {link.run.as_of.isoformat()}"
        assert message["List-Unsubscribe"].strip().startswith("<http")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        bodies = _parts(message)
        assert set(bodies) == {"text/plain", "text/html"}
        assert "Where is the money?" in bodies["text/html"]
        assert "Unsubscribe" in bodies["text/plain"]
        assert link.delivery.ses_message_id
        # Exactly what the ledger keeps as sent (the wire uses CRLF line ends).
        assert bodies["text/html"].replace("\r\n", "\n").strip() == link.delivery.body_html.strip()
    assert jada in Recipient.objects.all()


def _entity_id(slug: str) -> int:
    from entities.models import Entity

    return Entity.objects.get(slug=slug).pk
