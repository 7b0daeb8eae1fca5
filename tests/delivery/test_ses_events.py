"""SES events through django-ses's SNS webhook, with real signature checks against a certificate
of our own (served where SNS's would be: that download is the only AWS part replaced)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django_ses import utils as ses_utils

from delivery.models import Delivery, DeliveryStatus, SesEvent, Suppression
from tests.delivery.factories import queue

pytestmark = pytest.mark.django_db

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0quarterdecktest.pem"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"
URL = "/delivery/ses/events/"


@pytest.fixture(scope="module")
def signing_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def sns(signing_key, settings):
    settings.AWS_SNS_EVENT_TRUSTED_TOPIC_ARNS = [TOPIC]
    ses_utils.clear_cert_cache()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(CERT_URL, body=signing_key[1])
        yield signing_key[0]
    ses_utils.clear_cert_cache()


def notification(key, message: dict, *, message_id: str | None = None, topic: str = TOPIC) -> str:
    body = {
        "Type": "Notification",
        "MessageId": message_id or str(uuid.uuid4()),
        "TopicArn": topic,
        "Message": json.dumps(message),
        "Timestamp": "2026-11-25T07:00:01.000Z",
        "SignatureVersion": "1",
        "SigningCertURL": CERT_URL,
    }
    signed = "".join(
        f"{field}\n{body[field]}\n"
        for field in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
        if body.get(field)
    ).encode()
    body["Signature"] = base64.b64encode(
        key.sign(signed, padding.PKCS1v15(), hashes.SHA1())
    ).decode()
    return json.dumps(body)


def _sent(ses_message_id: str = "ses-0001", **overrides) -> Delivery:
    delivery, _ = queue(**overrides)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, ses_message_id=ses_message_id
    )
    return delivery


def bounce(to: str, *, kind: str = "Permanent", message_id: str = "ses-0001") -> dict:
    return {
        "eventType": "Bounce",
        "mail": {"messageId": message_id, "destination": [to]},
        "bounce": {"bounceType": kind, "bounceSubType": "General",
                   "bouncedRecipients": [{"emailAddress": to}], "feedbackId": "f-1"},
    }


def post(client, body: str):
    return client.post(URL, data=body, content_type="text/plain; charset=UTF-8")


def test_a_permanent_bounce_marks_the_delivery_and_suppresses_the_address(client, sns):
    delivery = _sent()
    response = post(client, notification(sns, bounce("Owner@example.com")))
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.BOUNCED and "Permanent" in delivery.last_error
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.reason) == ("owner@example.com", "bounce")
    # What is queued to it next is refused at once.
    again, _ = queue(key="test:2")
    assert again.status == DeliveryStatus.SUPPRESSED


def test_the_same_event_twice_changes_nothing(client, sns):
    delivery = _sent()
    body = notification(sns, bounce("owner@example.com"), message_id="sns-1")
    post(client, body)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT)
    Suppression.objects.all().delete()
    assert post(client, body).status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and not Suppression.objects.exists()
    assert SesEvent.objects.count() == 1


def test_a_bounce_of_the_audit_copy_suppresses_it_but_leaves_the_delivery_sent(client, sns):
    delivery = _sent()
    post(client, notification(sns, bounce("audit@example.com")))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert Suppression.objects.get().address == "audit@example.com"


def test_a_soft_bounce_is_noted_and_suppresses_nothing(client, sns):
    delivery = _sent()
    post(client, notification(sns, bounce("owner@example.com", kind="Transient")))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and "soft bounce" in delivery.last_error
    assert not Suppression.objects.exists()


def test_a_complaint_marks_the_delivery_and_suppresses_the_address(client, sns):
    delivery = _sent()
    message = {
        "eventType": "Complaint",
        "mail": {"messageId": "ses-0001"},
        "complaint": {"complainedRecipients": [{"emailAddress": "owner@example.com"}],
                      "complaintFeedbackType": "abuse"},
    }
    post(client, notification(sns, message))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.COMPLAINED
    assert Suppression.objects.get().reason == "complaint"


def test_a_delivery_event_confirms_it(client, sns):
    delivery = _sent()
    message = {"eventType": "Delivery", "mail": {"messageId": "ses-0001"},
               "delivery": {"recipients": ["owner@example.com"]}}
    post(client, notification(sns, message))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.delivered_at is not None


def test_a_forged_signature_is_refused_and_changes_nothing(client, sns):
    delivery = _sent()
    body = json.loads(notification(sns, bounce("owner@example.com")))
    body["Message"] = json.dumps(bounce("someone-else@example.com"))
    assert post(client, json.dumps(body)).status_code == 400
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and not Suppression.objects.exists()


def test_an_event_of_another_topic_is_refused(client, sns):
    _sent()
    body = notification(sns, bounce("owner@example.com"), topic="arn:aws:sns:us-east-1:666:x")
    assert post(client, body).status_code == 400
    assert not Suppression.objects.exists()


def test_an_event_for_no_known_delivery_or_of_odd_shape_never_fails(client, sns):
    odd = {"eventType": "Bounce", "mail": {"messageId": "unknown"},
           "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"nope": 1}]}}
    assert post(client, notification(sns, odd)).status_code == 200
    assert post(client, notification(sns, {"eventType": "Bounce"})).status_code == 200
    assert post(client, "not json").status_code == 400
