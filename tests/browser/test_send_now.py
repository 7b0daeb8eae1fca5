"""The admin's "Send now" in Debian's Chromium, with a real Celery worker doing the sending."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from config.celery import app
from delivery.models import Delivery
from entities.services import handoffs_ingest
from reports.models import Recipient
from tests.delivery.conftest import broker, wait_until, worker_env, workers
from tests.factories import UserFactory
from tests.services import redis_server

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"


def test_send_now_in_the_admin_reaches_sent_and_the_outbox(page, live_server, settings,
                                                           monkeypatch, tmp_path):  # fmt: skip
    handoffs_ingest(paths=[EXAMPLES])
    UserFactory(username="boss", is_superuser=True, is_staff=True, email="boss@example.com")
    Recipient.objects.create(email="cfo@quarterdeck.localhost", persona="cfo", name="Cat")
    Recipient.objects.create(email="ceo@quarterdeck.localhost", persona="ceo", name="Ed")
    queue = f"qd-browser-test-{uuid.uuid4().hex[:8]}"
    settings.DELIVERY_QUEUE = queue
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    outbox = tmp_path / "outbox"
    log = tmp_path / "worker.log"
    with redis_server() as url, broker(url, monkeypatch):
        env = {
            **worker_env(ses="http://127.0.0.1:9", broker_url=url, queue=queue,
                         SES_MAX_SEND_RATE="50",
                         DELIVERY_RATE_LIMIT_URL=f"file://{tmp_path / 'rate.lock'}"),
            # The demo's way: the file outbox, so nothing leaves the machine.
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(outbox),
        }  # fmt: skip
        with workers(1, env=env, queue=queue, log=log):
            page.goto(f"{live_server.url}/admin/login/?next=/admin/reports/recipient/")
            page.fill("#id_username", "boss")
            page.fill("#id_password", "correct-horse-battery")
            page.click("input[type=submit]")
            page.wait_for_url("**/admin/reports/recipient/")
            for box in page.locator("input[name=_selected_action]").all():
                box.check()
            page.select_option("select[name=action]", "send_now")
            page.click("button[name=index]")

            # It returns at once, on the list of report emails, and says what it queued.
            page.wait_for_url("**/admin/reports/reportdelivery/")
            assert "Queued for 2 recipient(s)" in page.text_content(".messagelist")
            wait_until(
                lambda: Delivery.objects.filter(kind="report", status="sent").count() == 2,
                timeout=120, log=log,
            )  # fmt: skip
            page.reload()
            assert page.locator("#result_list tbody tr").count() == 2
            assert page.locator("#result_list td.field-status", has_text="Sent").count() == 2

    page.goto(f"{live_server.url}/delivery/outbox/")
    today = dt.date.today().isoformat()
    link = page.get_by_role("link", name=f"CFO report · Portfolio · {today}")
    assert page.get_by_role("link", name=f"CEO report · Portfolio · {today}").count() == 1
    link.click()
    assert "cfo@quarterdeck.localhost" in page.content()
    assert len(list(outbox.iterdir())) >= 1  # the file backend wrote them: nothing left the machine
