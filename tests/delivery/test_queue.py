"""delivery_queue: one row per key, the message stored as it will be sent, refusals up front."""

from __future__ import annotations

import pytest
from django.db import transaction

from delivery.models import Delivery, DeliveryStatus, SesAccount, Suppression
from delivery.services import DeliveryInputError
from tests.delivery.factories import queue

pytestmark = pytest.mark.django_db


def test_it_stores_the_message_exactly_as_it_will_be_sent_and_queues_one_task_after_commit(
    django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks() as callbacks:
        delivery, created = queue(reply_to="cfo@example.com")
        assert callbacks == []  # nothing is queued before the commit

    assert created and len(callbacks) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 0
    assert (delivery.to, delivery.subject) == (
        "owner@example.com", "CFO report · Portfolio · 2026-11-25"
    )
    assert delivery.body_text == "Cash: $1.2M\n"
    assert delivery.body_html == "<p>Cash: <b>$1.2M</b></p>"
    assert delivery.headers == {"List-Unsubscribe": "<https://example.com/u/abc>"}
    assert delivery.bcc == ["audit@example.com"] and delivery.reply_to == "cfo@example.com"
    assert delivery.from_email == settings.SES_FROM_ADDRESS


def test_the_same_key_twice_finds_the_first_row_and_queues_nothing_new(
    django_capture_on_commit_callbacks,
):
    first, _ = queue()
    with django_capture_on_commit_callbacks() as callbacks:
        again, created = queue(subject="something else")
    assert not created and again.pk == first.pk and callbacks == []
    assert Delivery.objects.get().subject == "CFO report · Portfolio · 2026-11-25"


def test_it_works_inside_the_callers_transaction_and_a_rollback_leaves_nothing(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("the caller fails after queueing")
    assert Delivery.objects.count() == 0 and callbacks == []


def test_a_suppressed_address_is_refused_at_once_and_not_sent(django_capture_on_commit_callbacks):
    Suppression.objects.create(address="owner@example.com", reason="bounce")
    with django_capture_on_commit_callbacks() as callbacks:
        delivery, created = queue(to="Owner@Example.com")
    assert created and callbacks == []
    assert delivery.status == DeliveryStatus.SUPPRESSED
    assert "suppressed after a bounce" in delivery.last_error


def _sandbox(**overrides) -> SesAccount:
    fields = dict(pk=1, region="us-east-1", source="test", sandbox=True, max_24_hour_send=200,
                  max_send_rate=1, sent_last_24_hours=0,
                  verified_identities=["reports@quarterdeck.test", "example.org"])
    fields.update(overrides)
    return SesAccount.objects.create(**fields)


def test_in_the_sandbox_an_unverified_address_is_refused_up_front_with_the_reason(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django_ses.SESBackend"
    _sandbox()
    with django_capture_on_commit_callbacks() as callbacks:
        refused, _ = queue(key="a", bcc=[])
        verified_domain, _ = queue(key="b", to="cfo@example.org", bcc=[])
        refused_bcc, _ = queue(key="c", to="cfo@example.org", bcc=["audit@example.com"])
    assert refused.status == DeliveryStatus.FAILED
    assert "sandbox" in refused.last_error and "owner@example.com" in refused.last_error
    assert verified_domain.status == DeliveryStatus.QUEUED
    assert refused_bcc.status == DeliveryStatus.FAILED and "audit@example.com" in (
        refused_bcc.last_error
    )
    assert len(callbacks) == 1


def test_out_of_the_sandbox_any_address_is_queued(settings):
    settings.EMAIL_BACKEND = "django_ses.SESBackend"
    _sandbox(sandbox=False, verified_identities=[])
    delivery, _ = queue()
    assert delivery.status == DeliveryStatus.QUEUED


def test_never_read_it_asks_ses_and_keeps_the_facts(ses):
    delivery, _ = queue(bcc=[])
    assert delivery.status == DeliveryStatus.FAILED  # moto's quota is the sandbox's
    account = SesAccount.objects.get()
    assert account.sandbox and account.verified_identities == ["reports@quarterdeck.test"]


def test_the_file_backend_of_the_demo_knows_no_sandbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    delivery, _ = queue()
    assert delivery.status == DeliveryStatus.QUEUED and not SesAccount.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"to": "not an address"}, "is not an email address"),
        ({"bcc": ["ok@example.com", "nope"]}, "bcc 'nope'"),
        ({"key": ""}, "key is empty"),
        ({"key": "k" * 256}, "longer than 255"),
        ({"subject": "Hi\x00"}, "NUL"),
        ({"subject": "Hi\nBcc: everyone@example.com"}, "cannot be built"),
        ({"headers": {"X-Note": "a\r\nBcc: x@example.com"}}, "cannot be built"),
        ({"headers": {"Bcc": "x@example.com"}}, "set from the message's own fields"),
        ({"bcc": [f"a{i}@example.com" for i in range(50)]}, "at most 50"),
        ({"body_text": "", "body_html": ""}, "no body"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(overrides, message):
    with pytest.raises(DeliveryInputError, match=message):
        queue(**overrides)
    assert Delivery.objects.count() == 0
