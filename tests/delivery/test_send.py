"""delivery_send: claim, one call through django-ses to the SES stand-in, and what SES received."""

from __future__ import annotations

import email
from email import policy

import pytest
from botocore.config import Config
from django.core import mail

from delivery.models import Delivery, DeliveryStatus
from delivery.services import delivery_send
from tests.delivery.conftest import SENDER
from tests.delivery.factories import queue
from tests.services import ses_proxy

pytestmark = pytest.mark.django_db


def _parts(raw: str) -> dict[str, str]:
    # On the wire lines end in CRLF; compare with the stored text's plain newlines.
    message = email.message_from_string(raw.replace("\r\n", "\n"), policy=policy.default)
    return {
        "text/plain": message.get_body(("plain",)).get_content(),
        "text/html": message.get_body(("html",)).get_content(),
        **{f"header:{k}": str(v) for k, v in message.items()},
    }


def test_it_sends_through_django_ses_and_stores_the_message_id(ses):
    ses.client().verify_domain_identity(Domain="quarterdeck.test")
    delivery, _ = queue(to=SENDER, bcc=[SENDER.replace("reports", "audit")])

    outcome = delivery_send(delivery_id=delivery.pk)

    assert outcome.status == DeliveryStatus.SENT
    [received] = ses.received()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.ses_message_id == received["id"] and delivery.sent_at
    assert sorted(set(received["destinations"])) == [
        "audit@quarterdeck.test", "reports@quarterdeck.test"
    ]
    parts = _parts(received["raw_data"])
    assert parts["header:Subject"] == "CFO report · Portfolio · 2026-11-25"
    assert parts["header:To"] == SENDER and "header:Bcc" not in parts  # BCC is blind
    assert parts["header:List-Unsubscribe"] == "<https://example.com/u/abc>"
    assert parts["text/plain"] == "Cash: $1.2M\n"
    assert parts["text/html"].strip() == "<p>Cash: <b>$1.2M</b></p>"


def test_a_second_copy_of_the_task_sends_nothing(ses):
    delivery, _ = queue(to=SENDER, bcc=[])
    delivery_send(delivery_id=delivery.pk)
    again = delivery_send(delivery_id=delivery.pk)
    assert again.status == DeliveryStatus.SENT and len(ses.received()) == 1


def test_a_row_claimed_elsewhere_is_left_alone(ses):
    delivery, _ = queue(to=SENDER, bcc=[])
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING)
    assert delivery_send(delivery_id=delivery.pk).status == DeliveryStatus.SENDING
    assert ses.received() == []


def test_ses_refusing_the_sender_fails_at_once_with_the_reason(ses, settings):
    delivery, _ = queue(to=SENDER, bcc=[])
    ses.reset()  # the sender is no longer verified: moto answers MessageRejected

    outcome = delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.retry_in is None and delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("SES MessageRejected:")


def test_throttling_puts_it_back_in_the_queue_with_a_backoff_and_the_next_try_sends(
    ses, settings
):
    settings.DELIVERY_RETRY_BACKOFF_SECONDS = 0.01
    with ses_proxy(ses.url, throttle_first=1) as proxy:
        settings.AWS_SES_REGION_ENDPOINT_URL = proxy.url
        delivery, _ = queue(to=SENDER, bcc=[])

        first = delivery_send(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert first.retry_in is not None and delivery.status == DeliveryStatus.QUEUED
        assert "Throttling" in delivery.last_error and delivery.next_attempt_at > delivery.queued_at

        second = delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert second.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert proxy.throttled == 1 and len(ses.received()) == 1


def test_it_gives_up_after_the_last_attempt(ses, settings):
    settings.DELIVERY_RETRY_BACKOFF_SECONDS = 0.01
    settings.DELIVERY_MAX_ATTEMPTS = 2
    with ses_proxy(ses.url, throttle_first=5) as proxy:
        settings.AWS_SES_REGION_ENDPOINT_URL = proxy.url
        delivery, _ = queue(to=SENDER, bcc=[])
        delivery_send(delivery_id=delivery.pk)
        last = delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert last.retry_in is None and delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("gave up after 2 attempts")


def test_ses_unreachable_is_a_passing_error(ses, settings):
    from tests.services import free_port

    settings.AWS_SES_REGION_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    delivery, _ = queue(to=SENDER, bcc=[])
    outcome = delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert outcome.retry_in is not None and delivery.status == DeliveryStatus.QUEUED


def test_an_answer_lost_after_ses_took_the_message_makes_it_uncertain_never_resent(
    ses, settings
):
    settings.AWS_SES_CONFIG = Config(retries={"total_max_attempts": 1}, read_timeout=0.5)
    with ses_proxy(ses.url, stall_seconds=2) as proxy:
        settings.AWS_SES_REGION_ENDPOINT_URL = proxy.url
        delivery, _ = queue(to=SENDER, bcc=[])
        outcome = delivery_send(delivery_id=delivery.pk)
        assert delivery_send(delivery_id=delivery.pk).status == DeliveryStatus.UNCERTAIN
    delivery.refresh_from_db()
    assert outcome.retry_in is None and delivery.status == DeliveryStatus.UNCERTAIN
    assert "may have sent" in delivery.last_error
    assert len(ses.received()) == 1  # it did reach SES: resending would have made two


def test_the_demo_file_backend_sends_through_the_same_path(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    delivery, _ = queue()
    assert delivery_send(delivery_id=delivery.pk).status == DeliveryStatus.SENT
    [written] = list((tmp_path / "outbox").iterdir())
    text = written.read_text()
    assert "To: owner@example.com" in text and "Cash: $1.2M" in text and "text/html" in text
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.ses_message_id == ""


def test_the_locmem_backend_sees_html_and_text_alternatives(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery, _ = queue()
    delivery_send(delivery_id=delivery.pk)
    [sent] = mail.outbox
    assert sent.to == ["owner@example.com"] and sent.bcc == ["audit@example.com"]
    assert sent.alternatives[0][1] == "text/html"
