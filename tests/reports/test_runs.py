"""Stored report runs: a record with a unique key, stored once, never for a picked date, pruned."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from entities.models import Persona
from reports.models import ReportRun
from reports.services import report_render, report_request, report_runs_prune
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, item, note

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def member():
    user = UserFactory(username="alice")
    jada = EntityFactory(slug="jada", name="JADA")
    MembershipFactory(user=user, entity=jada, persona=Persona.CFO)
    note(jada, "2026-10", fin("Revenue", "25770"))
    note(jada, "2026-11", fin("Revenue", "30555"), item("risk", "Fuel prices", "high"))
    return user


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def run_of(user, **kwargs):
    return report_render(report_request(user=user, today=TODAY, **kwargs), user=user)


def test_a_run_is_stored_once_and_found_again_by_its_key(member):
    first = run_of(member, persona="cfo")
    again = run_of(member, persona="cfo")

    assert first.pk is not None and again.pk == first.pk
    assert ReportRun.objects.count() == 1
    assert (first.persona, first.scope, first.as_of, first.view) == ("cfo", "portfolio", TODAY,
                                                                     "page")  # fmt: skip


def test_the_database_refuses_a_second_run_with_the_same_key(member):
    run = run_of(member, persona="cfo")
    copy = {f.name: getattr(run, f.name) for f in ReportRun._meta.fields if f.name != "id"}
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.create(**copy)


@pytest.mark.parametrize(("field", "value"), [("persona", "coo"), ("view", "fax")])
def test_the_database_refuses_an_unknown_persona_or_view(member, field, value):
    run = run_of(member, persona="cfo")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).update(**{field: value})


def test_a_new_note_makes_a_new_run_and_the_old_one_stays_as_it_was(member):
    first = run_of(member, persona="cfo")
    note(member.memberships.get().entity, "2026-12", fin("Revenue", "77777"))

    second = run_of(member, persona="cfo")

    assert second.pk != first.pk and "77,777" in second.html
    first.refresh_from_db()
    assert "77,777" not in first.html and "30,555" in first.html


def test_another_day_is_another_run(member):
    first = run_of(member, persona="cfo")
    tomorrow = report_render(
        report_request(persona="cfo", user=member, today=TODAY + dt.timedelta(days=1))
    )
    assert tomorrow.pk != first.pk and tomorrow.as_of == TODAY + dt.timedelta(days=1)


def test_a_report_showing_charters_readiness_is_drawn_again_each_quarter_hour(member):
    """Who is behind changes as due times pass, with no row written: the CEO's run (which
    shows upcoming charters) is reused within a quarter of an hour, not all day; the CFO's
    (which shows none) all day."""
    member.is_superuser = True
    member.save()
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 1, tzinfo=dt.UTC), tick=False):
        ceo, cfo = run_of(member, persona="ceo"), run_of(member, persona="cfo")
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 14, tzinfo=dt.UTC), tick=False):
        assert run_of(member, persona="ceo").pk == ceo.pk
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 16, tzinfo=dt.UTC), tick=False):
        assert run_of(member, persona="ceo").pk != ceo.pk
        assert run_of(member, persona="cfo").pk == cfo.pk
        later = report_request(persona="ceo", user=member, today=TODAY, as_of=dt.date(2026, 11, 1))
    # An earlier date has no readiness to show: its key does not move with the clock.
    earlier = report_request(persona="ceo", user=member, today=TODAY, as_of=dt.date(2026, 11, 1))
    assert later.source_key == earlier.source_key


def test_a_report_for_a_picked_date_is_drawn_and_kept_in_the_cache_not_stored(member):
    october = run_of(member, persona="cfo", as_of=dt.date(2026, 10, 31))

    assert october.pk is None and ReportRun.objects.count() == 0
    assert "25,770" in october.html and "30,555" not in october.html
    again = run_of(member, persona="cfo", as_of=dt.date(2026, 10, 31))
    assert again.html == october.html and again.created_at == october.created_at  # from cache


def test_thousands_of_dates_typed_into_the_page_store_no_runs(client, member):
    client.force_login(member)
    url = reverse("reports:portfolio", args=["cfo"])
    for day in range(1, 31):
        assert client.get(f"{url}?on=2026-09-{day:02d}").status_code == 200
    assert client.get(url).status_code == 200

    assert ReportRun.objects.count() == 1  # the current report only


def test_a_date_today_or_later_is_the_current_report(member):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        later = run_of(member, persona="cfo", as_of=dt.date(2027, 1, 1))
    assert later.pk is not None and later.as_of == TODAY


def test_old_runs_are_pruned_and_recent_ones_kept(member, settings):
    settings.REPORT_RUNS_KEEP_DAYS = 30
    old = run_of(member, persona="cfo")
    ReportRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    recent = run_of(member, persona="ceo")

    assert report_runs_prune() == 1
    assert list(ReportRun.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_pruning_is_scheduled_daily_in_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.prune_report_runs")
    assert task.enabled and task.crontab.hour == "3"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
def test_two_requests_that_miss_at_once_store_one_run():
    user = UserFactory(is_superuser=True)
    for n in range(3):
        note(EntityFactory(slug=f"e{n}"), "2026-11", fin("Revenue", str(100 + n)))
    asked = report_request(persona="cfo", user=user, today=TODAY)
    barrier = threading.Barrier(2)
    runs, errors = [], []

    def render() -> None:
        try:
            barrier.wait(timeout=10)
            runs.append(report_render(asked, user=user).pk)
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=render) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors and len(runs) == 2 and runs[0] == runs[1]
    assert ReportRun.objects.count() == 1


def test_a_page_run_keeps_its_report_bar_and_the_page_shows_it_unchanged(member, client):
    run = run_of(member, persona="cfo", entity="jada")
    email = run_of(member, persona="cfo", entity="jada", view="email")

    assert 'aria-label="Breadcrumb"' in run.bar and "Breadcrumb" not in run.html
    assert '<option value="2026-10-31">As of 31 Oct 2026</option>' in run.bar
    assert email.bar == ""  # an email has no page around it
    client.force_login(member)
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)):
        page = client.get(reverse("reports:entity", args=["cfo", "jada"])).content.decode()
        shown = client.get(reverse("reports:run", args=[run.pk])).content.decode()
    assert run.bar in page and run.html in page
    assert run.bar not in shown and run.html in shown  # a run shown again is the report alone
