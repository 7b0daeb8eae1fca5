"""The outbox, the SES account page and the deliveries admin, for superusers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from delivery.models import Delivery, DeliveryStatus, SesAccount
from tests.delivery.factories import queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return user


def _sent(key: str = "report:run=1:recipient=1", **overrides) -> Delivery:
    delivery, _ = queue(key=key, **overrides)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT)
    delivery.refresh_from_db()
    return delivery


def test_the_outbox_lists_what_was_sent_and_shows_each_message_as_received(client, superuser):
    sent = _sent()
    queue(key="not-yet", subject="Still waiting")

    page = client.get("/delivery/outbox/")
    assert page.status_code == 200
    assert sent.subject in page.text and "Still waiting" not in page.text

    message = client.get(f"/delivery/outbox/{sent.pk}/")
    assert "Cash: $1.2M" in message.text  # the text part
    assert "audit@example.com" in message.text and "List-Unsubscribe" in message.text
    assert f'src="/delivery/outbox/{sent.pk}/html/"' in message.text and "sandbox" in message.text

    html = client.get(f"/delivery/outbox/{sent.pk}/html/")
    assert html.content.decode() == "<p>Cash: <b>$1.2M</b></p>"
    directives = [d.strip() for d in html["Content-Security-Policy"].split(";")]
    assert "sandbox" in directives and "default-src 'none'" in directives
    assert html["X-Frame-Options"] == "SAMEORIGIN"


def test_the_outbox_is_for_superusers_only(client):
    sent = _sent()
    assert client.get("/delivery/outbox/").status_code == 302  # to the sign-in page
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    refused = client.get("/delivery/outbox/")
    assert refused.status_code == 403
    # The site around it, and what to do: not a bare "403 Forbidden".
    assert b"Not allowed" in refused.content and b"Open the dashboard" in refused.content
    assert client.get(f"/delivery/outbox/{sent.pk}/html/").status_code == 403


def test_a_pruned_message_says_so(client, superuser):
    sent = _sent()
    Delivery.objects.filter(pk=sent.pk).update(body_text="", body_html="",
                                               bodies_pruned_at=sent.queued_at)
    assert "The bodies were pruned" in client.get(f"/delivery/outbox/{sent.pk}/").text


def test_the_admin_lists_filters_searches_and_counts_per_status(client, superuser):
    _sent()
    uncertain, _ = queue(key="crew:event=3:participant=9:window=24h", kind="crew",
                         to="crew@example.com")
    Delivery.objects.filter(pk=uncertain.pk).update(status=DeliveryStatus.UNCERTAIN)

    page = client.get("/admin/delivery/delivery/")
    assert page.status_code == 200
    summary = dict((s, c) for s, c, _ in page.context["delivery_summary"])
    assert summary["sent"] == 1 and summary["uncertain"] == 1 and summary["failed"] == 0
    assert "never resent automatically" in page.text

    filtered = client.get("/admin/delivery/delivery/?status__exact=uncertain")
    assert list(filtered.context["cl"].queryset) == [Delivery.objects.get(pk=uncertain.pk)]
    assert dict((s, c) for s, c, _ in filtered.context["delivery_summary"])["sent"] == 0
    searched = client.get("/admin/delivery/delivery/?q=crew@example")
    assert [d.pk for d in searched.context["cl"].queryset] == [uncertain.pk]
    assert client.get("/admin/delivery/delivery/?kind=crew").status_code == 200


def test_the_admin_shows_a_delivery_exactly_as_sent_and_explains_uncertain(client, superuser):
    delivery, _ = queue()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.UNCERTAIN)
    page = client.get(f"/admin/delivery/delivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert "Cash: $1.2M" in page.text and "<iframe" in page.text
    assert "SES may or may not have sent it" in page.text
    assert client.get("/admin/delivery/delivery/add/").status_code == 403


def test_the_ses_account_page_shows_the_last_facts_and_reads_again_on_post(
    client, superuser, ses
):
    assert "SES has not been read yet" in client.get("/delivery/ses/account/").text
    response = client.post("/delivery/ses/account/")
    assert response.status_code == 302 and SesAccount.objects.get().sandbox
    page = client.get("/delivery/ses/account/?addresses=cfo@example.com")
    assert "sandbox: yes" in page.text and "cfo@example.com: NOT verified" in page.text


def test_the_ses_account_page_tells_plainly_when_ses_does_not_answer(client, superuser, settings):
    from tests.services import free_port

    settings.AWS_SES_REGION_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = "testing"
    page = client.post("/delivery/ses/account/", follow=True)
    assert page.status_code == 200 and "did not answer" in page.text
