"""The reports' admin: Send now, a test to me, and the preview as a recipient would see it."""

import re

import pytest
from django.urls import reverse

from delivery.models import Delivery
from entities.models import Persona
from reports.models import Recipient, ReportSchedule
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, note

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True,
                                   email="boss@example.com"))  # fmt: skip
    return client


@pytest.fixture
def portfolio():
    alice = UserFactory(username="alice")
    jada = EntityFactory(slug="jada", name="JADA")
    qos = EntityFactory(slug="qos", name="Queen of San Diego")
    MembershipFactory(user=alice, entity=jada, persona=Persona.CEO)
    note(jada, "2026-11", fin("Revenue", "30555"))
    note(qos, "2026-11", fin("Revenue", "98765"))
    return alice


def action(client, model, name, ids):
    return client.post(
        reverse(f"admin:reports_{model}_changelist"),
        {"action": name, "_selected_action": [str(pk) for pk in ids]},
    )


def test_send_now_queues_one_render_task_per_scope_and_returns_at_once(
    admin_client, portfolio, django_capture_on_commit_callbacks
):
    ids = [Recipient.objects.create(email=f"r{n}@example.com", persona="ceo").pk for n in (1, 2)]
    ids.append(Recipient.objects.create(email="a@example.com", persona="ceo", user=portfolio).pk)
    with django_capture_on_commit_callbacks() as queued:
        response = action(admin_client, "recipient", "send_now", ids)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reports_reportdelivery_changelist")
    assert len(queued) == 2  # two scopes: the whole portfolio, and what Alice may see
    assert not Delivery.objects.exists()  # a worker renders and sends, not the request


def test_send_now_on_a_schedule_sends_to_its_personas_recipients(
    admin_client, portfolio, django_capture_on_commit_callbacks
):
    Recipient.objects.create(email="ceo@example.com", persona="ceo")
    Recipient.objects.create(email="cfo@example.com", persona="cfo")
    schedule = ReportSchedule.objects.create(name="CEO weekly", persona="ceo", at="07:00")
    with django_capture_on_commit_callbacks() as queued:
        action(admin_client, "reportschedule", "send_now", [schedule.pk])
    assert len(queued) == 1


def test_a_test_to_me_goes_to_the_admins_address_with_the_recipients_scope(admin_client,
                                                                           portfolio):  # fmt: skip
    recipient = Recipient.objects.create(email="a@example.com", persona="ceo", user=portfolio)
    action(admin_client, "recipient", "send_test_to_me", [recipient.pk])

    delivery = Delivery.objects.get()
    assert delivery.to == "boss@example.com"
    assert "30,555" in delivery.body_html and "98,765" not in delivery.body_html


def test_the_preview_is_what_the_recipient_would_get_and_sends_nothing(admin_client, portfolio):
    recipient = Recipient.objects.create(email="a@example.com", persona="ceo", user=portfolio)
    url = reverse("admin:reports_recipient_preview", args=[recipient.pk])

    page = admin_client.get(url).content.decode()
    assert "CEO report · Portfolio ·" in page and "30,555" in page and "98,765" not in page
    assert "<title>Preview: a@example.com (CEO, portfolio)" in page
    assert re.search(r"<strong>Size:</strong> \d+ KB</p>", page)  # small: no clipping warning
    framed = admin_client.get(url + "?part=html")
    html = framed.content.decode()
    assert "30,555" in html and "98,765" not in html and "Unsubscribe" in html
    # Its inline styles are allowed, and only inside a frame of our own pages.
    policy = framed["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "frame-ancestors 'self'" in policy
    assert "sandbox" in policy and framed["X-Frame-Options"] == "SAMEORIGIN"
    assert not Delivery.objects.exists()


def test_the_preview_warns_when_gmail_would_clip_the_email(admin_client, portfolio, monkeypatch):
    monkeypatch.setattr("reports.admin.GMAIL_CLIPS_AFTER", 1000)
    recipient = Recipient.objects.create(email="a@example.com", persona="ceo", user=portfolio)
    page = admin_client.get(reverse("admin:reports_recipient_preview", args=[recipient.pk]))
    assert "Over 102 KB: Gmail shows only the start of it" in page.content.decode()


def test_a_member_without_superuser_rights_cannot_open_recipients(client, portfolio):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("admin:reports_recipient_changelist"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("name", ["Mars/Olympus", "America", "../etc"])
def test_a_bad_time_zone_is_a_clear_form_error(admin_client, name):
    # "America" is a folder of the zone database: zoneinfo answers it with an OSError.
    response = admin_client.post(
        reverse("admin:reports_recipient_add"),
        {"email": "x@example.com", "persona": "ceo", "time_zone": name, "active": "on"},
    )
    assert response.status_code == 200 and "is not a time zone name" in response.content.decode()


def test_the_report_emails_list_counts_its_deliveries_by_status(admin_client, portfolio):
    from reports.sending import report_send_to_recipients

    recipients = [Recipient.objects.create(email=f"r{n}@example.com", persona="ceo")
                  for n in (1, 2)]  # fmt: skip
    report_send_to_recipients(persona="ceo", recipients=recipients)
    page = admin_client.get(reverse("admin:reports_reportdelivery_changelist")).content.decode()
    assert 'id="delivery-summary"' in page and '<td class="count-queued">2</td>' in page


def test_the_report_emails_list_names_the_persona_by_its_label(admin_client, portfolio):
    from reports.sending import report_send_to_recipients

    cao = Recipient.objects.create(email="cao@example.com", persona="cao")
    report_send_to_recipients(persona="cao", recipients=[cao])
    page = admin_client.get(reverse("admin:reports_reportdelivery_changelist")).content.decode()
    assert '<td class="field-persona">Chief Accounting Officer</td>' in page
    assert ">cao@example.com (Chief Accounting Officer, portfolio)</a>" in page  # its filter


def test_an_address_in_other_letters_is_the_same_recipient_and_refused_in_words(admin_client):
    add = reverse("admin:reports_recipient_add")
    form = {"persona": "ceo", "time_zone": "UTC", "active": "on"}
    assert admin_client.post(add, {**form, "email": "CEO@Example.com"}).status_code == 302
    assert Recipient.objects.get().email == "ceo@example.com"

    again = admin_client.post(add, {**form, "email": "ceo@EXAMPLE.com"})
    assert again.status_code == 200
    assert "This address already gets this persona&#x27;s report for the portfolio." in again.text
    assert "recipient_unique_portfolio" not in again.text
    assert Recipient.objects.count() == 1


def test_a_recipient_whose_user_would_see_nothing_is_refused_and_never_claimed_queued(
    admin_client, portfolio
):
    qos = portfolio.memberships.get().entity.__class__.objects.get(slug="qos")
    add = reverse("admin:reports_recipient_add")
    response = admin_client.post(add, {"email": "bob@example.com", "persona": "ceo", "user":
                                       portfolio.pk, "entity": qos.pk, "time_zone": "UTC",
                                       "active": "on"})  # fmt: skip
    assert response.status_code == 200 and "may not see Queen of San Diego" in response.text

    # One made before the rule (or whose user lost the membership since): every way of
    # sending to it says so, and nothing is queued.
    blind = Recipient.objects.create(email="bob@example.com", persona="ceo", user=portfolio,
                                     entity=qos)  # fmt: skip
    sent = admin_client.post(reverse("admin:reports_recipient_changelist"),
                             {"action": "send_now", "_selected_action": [blind.pk]},
                             follow=True)  # fmt: skip
    assert "may not see Queen of San Diego" in sent.text and "Nothing was queued." in sent.text
    assert "Queued for" not in sent.text
    tested = admin_client.post(reverse("admin:reports_recipient_changelist"),
                               {"action": "send_test_to_me", "_selected_action": [blind.pk]},
                               follow=True)  # fmt: skip
    assert "No test sent." in tested.text and Delivery.objects.count() == 0
    preview = admin_client.get(reverse("admin:reports_recipient_preview", args=[blind.pk]),
                               follow=True)  # fmt: skip
    assert "may not see Queen of San Diego" in preview.text

    schedule = ReportSchedule.objects.create(name="CEO weekly", persona="ceo", cadence="weekly",
                                             weekday=0, at="07:00")  # fmt: skip
    sent = admin_client.post(reverse("admin:reports_reportschedule_changelist"),
                             {"action": "send_now", "_selected_action": [schedule.pk]},
                             follow=True)  # fmt: skip
    assert "may not see Queen of San Diego" in sent.text
