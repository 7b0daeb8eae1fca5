"""Report emails: who gets what, scope applied where the email is built, each recipient once."""

import datetime as dt
from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delivery.models import Delivery
from entities.models import Persona
from entities.services import entity_sources_touch
from reports.models import Recipient, ReportDelivery, ReportRun, ReportSchedule, ScheduledSend
from reports.sending import (
    recipients_sync,
    report_send_to_recipients,
    schedules_claim,
    unsubscribe_token,
)
from reports.services import report_runs_prune
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, item, note, rec

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)
PERSONAS = list(Persona.values)


@pytest.fixture
def portfolio():
    """Alice may see JADA only; QoS has figures, names and items she must never get."""
    alice = UserFactory(username="alice", email="alice@example.com")
    jada = EntityFactory(slug="jada", name="JADA")
    qos = EntityFactory(slug="qos", name="Queen of San Diego")
    MembershipFactory(user=alice, entity=jada, persona=Persona.CFO)
    note(jada, "2026-10", fin("Revenue", "25770"), fin("Net", "2290"))
    note(jada, "2026-11", fin("Revenue", "30555"), fin("Net", "4650"),
         item("risk", "JADA risk", "high"))  # fmt: skip
    note(qos, "2026-10", fin("Revenue", "91000"))
    note(qos, "2026-11", fin("Revenue", "98765"), fin("Net", "-4321"),
         item("risk", "Hull insurance secret", "critical"), item("tech_debt", "QoS MFA", "high"),
         rec("Harbor Events", "9400", dt.date(2026, 10, 15), "overdue"))  # fmt: skip
    return SimpleNamespace(alice=alice, jada=jada, qos=qos)


QOS_SECRETS = ["Queen of San Diego", "98,765", "4,321", "91,000", "Hull insurance secret",
               "QoS MFA", "Harbor Events", "9,400"]  # fmt: skip


def sent_to(persona, recipient):
    summary = report_send_to_recipients(persona=persona, recipients=[recipient], today=TODAY)
    assert summary.queued == 1, summary
    return Delivery.objects.get(pk=summary.deliveries[0])


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_recipient_linked_to_a_user_never_gets_an_entity_that_user_may_not_see(
    portfolio, persona
):
    recipient = Recipient.objects.create(email="alice@example.com", persona=persona,
                                         user=portfolio.alice)  # fmt: skip
    delivery = sent_to(persona, recipient)

    assert "1 entity" in delivery.body_html  # JADA, and nothing else
    for secret in QOS_SECRETS:
        assert secret not in delivery.body_html, secret
        assert secret not in delivery.body_text, secret
        assert secret not in delivery.subject, secret


def test_a_recipient_for_an_entity_bounded_by_a_user_who_cannot_see_it_gets_nothing(portfolio):
    recipient = Recipient.objects.create(email="alice@example.com", persona="cfo",
                                         entity=portfolio.qos, user=portfolio.alice)  # fmt: skip
    summary = report_send_to_recipients(persona="cfo", recipients=[recipient], today=TODAY)
    assert summary.queued == 0 and summary.skipped == ["alice@example.com"]
    assert not Delivery.objects.exists()


def test_a_recipient_without_a_user_gets_exactly_the_scope_set_on_them(portfolio):
    recipient = Recipient.objects.create(email="owner@example.com", persona="cfo",
                                         entity=portfolio.qos)  # fmt: skip
    delivery = sent_to("cfo", recipient)
    assert "98,765" in delivery.body_html and "30,555" not in delivery.body_html
    assert delivery.subject == "CFO report · Queen of San Diego · 2026-11-25"


def test_the_email_has_both_bodies_the_audit_bcc_and_one_click_unsubscribe(portfolio, settings):
    settings.ADMIN_BCC_ADDRESS = "audit@example.com"
    recipient = Recipient.objects.create(email="cfo@example.com", persona="cfo")
    delivery = sent_to("cfo", recipient)

    assert delivery.subject == "CFO report · Portfolio · 2026-11-25"
    assert delivery.to == "cfo@example.com" and delivery.bcc == ["audit@example.com"]
    assert "98,765" in delivery.body_html and "98,765" in delivery.body_text
    token = unsubscribe_token(recipient=recipient)
    url = settings.SITE_URL + reverse("reports:unsubscribe", args=[token])
    assert delivery.headers == {"List-Unsubscribe": f"<{url}>",
                                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert url in delivery.body_text and f'href="{url}"' in delivery.body_html
    link = ReportDelivery.objects.get()
    assert link.recipient == recipient and link.run.view == "email"


def test_queueing_the_same_report_twice_sends_each_recipient_once(portfolio):
    recipients = [Recipient.objects.create(email=f"r{n}@example.com", persona="ceo")
                  for n in range(3)]  # fmt: skip
    first = report_send_to_recipients(persona="ceo", recipients=recipients, today=TODAY)
    again = report_send_to_recipients(persona="ceo", recipients=recipients, today=TODAY)

    assert (first.queued, again.queued, again.already) == (3, 0, 3)
    assert Delivery.objects.count() == 3 and ReportRun.objects.filter(view="email").count() == 1


@pytest.mark.parametrize("persona", ["cfo", "ceo"])
def test_a_change_that_alters_nothing_in_the_email_sends_nothing_more(portfolio, persona):
    """A crew checklist ticked moves the entity's sources_version, so every report is drawn
    again; when the email says the same, pressing Send now again sends nothing more."""
    recipients = [Recipient.objects.create(email="r@example.com", persona=persona)]
    first = report_send_to_recipients(persona=persona, recipients=recipients, today=TODAY)
    entity_sources_touch(entity_ids=[portfolio.qos.pk])
    again = report_send_to_recipients(persona=persona, recipients=recipients, today=TODAY)

    assert (first.queued, again.queued, again.already) == (1, 0, 1)
    assert ReportRun.objects.filter(view="email").count() == 2  # drawn again, said the same
    assert Delivery.objects.count() == 1

    # A note that changes what it says is sent.
    note(portfolio.jada, "2026-11", fin("Revenue", "31000"), fin("Net", "4650"))
    changed = report_send_to_recipients(persona=persona, recipients=recipients, today=TODAY)
    assert changed.queued == 1 and Delivery.objects.count() == 2


def test_unsubscribed_and_inactive_recipients_are_skipped(portfolio):
    gone = Recipient.objects.create(email="gone@example.com", persona="ceo",
                                    unsubscribed_at=timezone.now())  # fmt: skip
    off = Recipient.objects.create(email="off@example.com", persona="ceo", active=False)
    summary = report_send_to_recipients(persona="ceo", recipients=[gone, off], today=TODAY)
    assert summary.queued == 0 and not Delivery.objects.exists()


def test_a_report_on_stale_notes_says_so_at_the_top_and_the_owner_is_told(portfolio, settings):
    settings.ADMIN_BCC_ADDRESS = "owner@example.com"
    recipient = Recipient.objects.create(email="ceo@example.com", persona="ceo")
    late = dt.date(2027, 1, 20)  # the November notes are long past their month
    summary = report_send_to_recipients(persona="ceo", recipients=[recipient], today=late)

    report = Delivery.objects.get(pk=summary.deliveries[0])
    body = report.body_html
    assert "Stale:" in body and body.index("Stale:") < body.index("r-section")
    assert summary.stale == {"JADA", "Queen of San Diego"}
    notice = Delivery.objects.get(kind="report-stale")
    assert notice.to == "owner@example.com" and "JADA" in notice.body_text
    report_send_to_recipients(persona="ceo", recipients=[recipient], today=late)
    assert Delivery.objects.filter(kind="report-stale").count() == 1  # told once


def test_a_run_an_email_was_sent_from_is_never_pruned(portfolio, settings):
    settings.REPORT_RUNS_KEEP_DAYS = 1
    recipient = Recipient.objects.create(email="cfo@example.com", persona="cfo")
    sent_to("cfo", recipient)
    ReportRun.objects.update(created_at=timezone.now() - dt.timedelta(days=40))

    assert report_runs_prune() == 0
    assert ReportRun.objects.count() == 1


# --- Unsubscribe ---------------------------------------------------------------------------------


def test_the_unsubscribe_link_asks_on_get_and_acts_once_on_post(portfolio):
    recipient = Recipient.objects.create(email="cfo@example.com", persona="cfo")
    url = reverse("reports:unsubscribe", args=[unsubscribe_token(recipient=recipient)])
    client = Client(enforce_csrf_checks=True)

    page = client.get(url)
    assert page.status_code == 200 and b"Stop sending" in page.content
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is None  # a mail scanner opening the link changes nothing

    # A mail client's RFC 8058 one-click POST: no cookie, no CSRF token.
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"will no longer get" in done.content
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is not None and not recipient.receives

    again = client.post(url)
    assert b"was already unsubscribed" in again.content
    reopened = client.get(url)  # the link opened again later: says so, asks nothing
    assert b"was already unsubscribed" in reopened.content
    assert b"Stop sending" not in reopened.content


def test_a_tampered_unsubscribe_link_is_a_clear_page_not_an_error(portfolio):
    recipient = Recipient.objects.create(email="cfo@example.com", persona="cfo")
    token = unsubscribe_token(recipient=recipient)
    for bad in (token[:-2] + "xx", "nonsense", token.replace(":", "")):
        response = Client().post(reverse("reports:unsubscribe", args=[bad]))
        assert response.status_code == 404 and b"not valid" in response.content
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is None


# --- REPORT_RECIPIENTS ---------------------------------------------------------------------------


def test_report_recipients_are_seeded_as_the_old_scripts_read_them():
    result = recipients_sync(entries=["boss@example.com", "cfo:money@example.com", "coo:x@y.z",
                                      "nonsense"])  # fmt: skip
    assert result.created == 6 and len(result.problems) == 2
    assert set(Recipient.objects.filter(email="boss@example.com").values_list(
        "persona", flat=True)) == set(PERSONAS)  # fmt: skip
    assert list(Recipient.objects.filter(email="money@example.com").values_list(
        "persona", flat=True)) == ["cfo"]  # fmt: skip

    again = recipients_sync(entries=["cfo:money@example.com"])
    assert (again.created, again.kept, again.deactivated) == (0, 1, 5)
    assert not Recipient.objects.filter(email="boss@example.com", active=True).exists()


def test_recipients_made_in_the_admin_are_left_alone_by_the_sync():
    Recipient.objects.create(email="mine@example.com", persona="ceo")
    recipients_sync(entries=[])
    assert Recipient.objects.get(email="mine@example.com").active


# --- Schedules -----------------------------------------------------------------------------------


def _weekly_ceo(recipient=None, **fields):
    with time_machine.travel(dt.datetime(2026, 11, 1, tzinfo=dt.UTC)):
        return ReportSchedule.objects.create(
            name="CEO weekly", persona="ceo", cadence="weekly", weekday=0, at=dt.time(7, 0),
            recipient=recipient, **fields,
        )  # fmt: skip


def test_a_weekly_schedule_is_due_at_its_local_time_in_the_recipients_time_zone():
    la = Recipient.objects.create(email="la@example.com", persona="ceo",
                                  time_zone="America/Los_Angeles")  # fmt: skip
    ldn = Recipient.objects.create(email="ldn@example.com", persona="ceo",
                                   time_zone="Europe/London")  # fmt: skip
    _weekly_ceo()
    # Monday 30 November 2026, 08:00 UTC: 08:00 in London, 00:00 in Los Angeles.
    with time_machine.travel(dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)):
        first = schedules_claim()
    assert [s.recipient for s in first] == [ldn] and first[0].period == dt.date(2026, 11, 30)
    # 15:05 UTC is 07:05 in Los Angeles.
    with time_machine.travel(dt.datetime(2026, 11, 30, 15, 5, tzinfo=dt.UTC)):
        second = schedules_claim()
    assert [s.recipient for s in second] == [la]


def test_a_recipient_whose_time_zone_is_no_zone_is_scheduled_in_utc_not_a_crash():
    # Saved around the form's check: "America" is a folder of the zone database.
    Recipient.objects.create(email="ceo@example.com", persona="ceo", time_zone="America")
    _weekly_ceo()
    with time_machine.travel(dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC)):
        assert len(schedules_claim()) == 1


def test_a_scheduled_send_happens_once_however_often_beat_fires():
    Recipient.objects.create(email="ceo@example.com", persona="ceo")
    _weekly_ceo()
    with time_machine.travel(dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC)):
        claims = [schedules_claim() for _ in range(3)]
    assert [len(c) for c in claims] == [1, 0, 0]
    assert ScheduledSend.objects.count() == 1


def test_a_send_missed_by_more_than_the_grace_is_not_sent_late_and_next_week_is_sent():
    Recipient.objects.create(email="ceo@example.com", persona="ceo")
    _weekly_ceo()
    with time_machine.travel(dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)):  # a day late
        assert schedules_claim() == []
    with time_machine.travel(dt.datetime(2026, 12, 7, 7, 3, tzinfo=dt.UTC)):
        assert [s.period for s in schedules_claim()] == [dt.date(2026, 12, 7)]


def test_a_schedule_for_one_recipient_sends_to_that_one_only():
    one = Recipient.objects.create(email="one@example.com", persona="ceo")
    Recipient.objects.create(email="two@example.com", persona="ceo")
    _weekly_ceo(recipient=one)
    with time_machine.travel(dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC)):
        assert [s.recipient for s in schedules_claim()] == [one]


def test_the_scheduled_reports_task_is_on_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.send_scheduled_reports")
    assert task.enabled and task.interval.every == 5 and task.interval.period == "minutes"


# --- send_reports --------------------------------------------------------------------------------


def test_send_reports_dry_run_shows_who_would_get_what_and_queues_nothing(
    portfolio, django_capture_on_commit_callbacks
):
    Recipient.objects.create(email="cfo@example.com", persona="cfo")
    Recipient.objects.create(email="jada@example.com", persona="cfo", entity=portfolio.jada)
    out = StringIO()
    with django_capture_on_commit_callbacks() as queued:
        call_command("send_reports", "--persona", "cfo", "--dry-run", stdout=out)
    assert queued == []
    text = out.getvalue()
    assert "cfo report · Portfolio → cfo@example.com" in text
    assert "cfo report · JADA → jada@example.com" in text
    assert "would queue 2 email(s) in 2 render task(s)" in text


def test_send_reports_to_an_address_queues_one_task_per_persona(
    portfolio, django_capture_on_commit_callbacks
):
    out = StringIO()
    with django_capture_on_commit_callbacks() as queued:
        call_command("send_reports", "--persona", "all", "--to", "me@example.com",
                     "--entity", "jada", stdout=out)  # fmt: skip
    assert len(queued) == len(PERSONAS)
    assert "queued 5 email(s) to me@example.com" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--to", "not-an-address"], "is not an email address"),
     (["--entity", "nope"], "no entity with the slug 'nope'")],
)  # fmt: skip
def test_send_reports_refuses_bad_input_clearly(portfolio, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("send_reports", "--persona", "cfo", *args, stdout=StringIO())
