"""The report schedules' admin: a schedule that could never be sent is refused, "Send now"
sends what beat would, and the schedule reads in words."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reports.models import Recipient, ReportSchedule
from reports.tasks import send_report_to_recipients
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCHEDULES = "admin:reports_reportschedule_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def queued(monkeypatch):
    """The render tasks "Send now" queues, as (persona, recipient emails)."""
    calls: list[tuple[str, list[str]]] = []

    def record(persona, ids, day, scheduled_ids=None):
        emails = Recipient.objects.filter(pk__in=ids).values_list("email", flat=True)
        calls.append((persona, sorted(emails)))

    monkeypatch.setattr(send_report_to_recipients, "delay_on_commit", record)
    return calls


def schedule(persona="cfo", recipient=None, **fields):
    """A schedule saved as it stands, without the form's checks (as rows from before them)."""
    fields = {"name": f"{persona.upper()} monthly", "cadence": "monthly", "at": dt.time(7),
              **fields}  # fmt: skip
    return ReportSchedule.objects.create(persona=persona, recipient=recipient, **fields)


def form(**fields):
    return {"name": "CFO monthly", "persona": "cfo", "recipient": "", "cadence": "monthly",
            "weekday": "0", "day_of_month": "1", "at": "07:00", "enabled": "on",
            **fields}  # fmt: skip


def send_now(client, *schedules):
    return client.post(
        reverse(SCHEDULES),
        {"action": "send_now", "_selected_action": [str(s.pk) for s in schedules]},
        follow=True,
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- A schedule its recipient does not match -----------------------------------------------------


def test_a_schedule_for_another_personas_recipient_is_refused_on_the_recipient_field(
    admin_client,
):
    ceo = Recipient.objects.create(email="ceo@example.com", persona="ceo")
    response = admin_client.post(reverse("admin:reports_reportschedule_add"),
                                 form(recipient=str(ceo.pk)))  # fmt: skip

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["recipient"]
    said = errors["recipient"][0]
    assert "ceo@example.com gets the CEO report, and this schedule sends the CFO report" in said
    assert not ReportSchedule.objects.exists()


def test_the_model_refuses_it_too_so_every_form_does():
    ceo = Recipient.objects.create(email="ceo@example.com", persona="ceo")
    mismatched = ReportSchedule(name="CFO monthly", persona="cfo", recipient=ceo, at=dt.time(7))
    with pytest.raises(ValidationError) as refused:
        mismatched.full_clean()
    assert list(refused.value.message_dict) == ["recipient"]

    cfo = Recipient.objects.create(email="cfo@example.com", persona="cfo")
    ReportSchedule(name="CFO monthly", persona="cfo", recipient=cfo, at=dt.time(7)).full_clean()


def test_send_now_sends_the_schedules_persona_to_its_recipient(admin_client, queued):
    cfo = Recipient.objects.create(email="cfo@example.com", persona="cfo")
    Recipient.objects.create(email="other-cfo@example.com", persona="cfo")
    response = send_now(admin_client, schedule("cfo", recipient=cfo))

    assert queued == [("cfo", ["cfo@example.com"])]
    assert response.redirect_chain[-1][0] == reverse("admin:reports_reportdelivery_changelist")


def test_send_now_skips_a_schedule_whose_recipient_gets_another_persona_as_beat_does(
    admin_client, queued
):
    ceo = Recipient.objects.create(email="ceo@example.com", persona="ceo")
    response = send_now(admin_client, schedule("cfo", recipient=ceo))

    assert queued == []  # neither the CEO report nor the CFO one
    said = messages_of(response)
    assert any("ceo@example.com gets the CEO report, not this schedule's CFO report" in m
               for m in said)  # fmt: skip
    assert "Nothing was queued." in said


def test_send_now_on_a_persona_schedule_skips_who_beat_skips_and_says_so(admin_client, queued):
    Recipient.objects.create(email="a@example.com", persona="cfo")
    Recipient.objects.create(email="off@example.com", persona="cfo", active=False)
    Recipient.objects.create(email="gone@example.com", persona="cfo",
                             unsubscribed_at=timezone.now())  # fmt: skip
    Recipient.objects.create(email="ceo@example.com", persona="ceo")
    response = send_now(admin_client, schedule("cfo"), schedule("cao", enabled=False))

    assert queued == [("cfo", ["a@example.com"])]
    said = "\n".join(messages_of(response))
    assert "off@example.com is inactive" in said and "gone@example.com is unsubscribed" in said
    assert "“CAO monthly” is disabled" in said
    assert "Queued for 1 recipient(s)" in said


def test_send_now_sends_a_recipient_named_by_two_schedules_once(admin_client, queued):
    cfo = Recipient.objects.create(email="cfo@example.com", persona="cfo")
    send_now(admin_client, schedule("cfo"), schedule("cfo", recipient=cfo, name="CFO too"))
    assert queued == [("cfo", ["cfo@example.com"])]


# --- In words ------------------------------------------------------------------------------------


def test_the_weekday_is_chosen_by_name_and_a_bad_one_is_a_field_error(admin_client):
    add = reverse("admin:reports_reportschedule_add")
    page = admin_client.get(add).content.decode()
    assert '<option value="0" selected>Monday</option>' in page
    assert '<option value="6">Sunday</option>' in page

    response = admin_client.post(add, form(cadence="weekly", weekday="99"))
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["weekday"] and "Constraint" not in str(errors)
    assert not ReportSchedule.objects.exists()


@pytest.mark.parametrize("day", ["0", "29", "31"])
def test_a_day_of_month_outside_1_to_28_is_a_field_error_in_words(admin_client, day):
    response = admin_client.post(reverse("admin:reports_reportschedule_add"),
                                 form(day_of_month=day))  # fmt: skip
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["day_of_month"]
    assert errors["day_of_month"] == [
        "The day of the month must be from 1 to 28, so that every month has it."
    ]
    assert not ReportSchedule.objects.exists()


def test_the_list_says_when_each_schedule_goes_out_in_words(admin_client):
    schedule("ceo", name="CEO weekly", cadence="weekly", weekday=0, day_of_month=1)
    schedule("cfo", name="CFO monthly", cadence="monthly", weekday=0, day_of_month=1)
    schedule("cto", name="CTO daily", cadence="daily", at=dt.time(8, 30))

    page = admin_client.get(reverse(SCHEDULES)).content.decode()
    assert "Weekly, Monday 07:00" in page
    assert "Monthly, day 1, 07:00" in page
    assert "Daily 08:30" in page
    assert "column-weekday" not in page and "column-day_of_month" not in page
