"""The CEO report shows upcoming charters' checklist readiness, for visible entities only."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from crew.models import ChecklistItem
from crew.services import checklist_item_done_by_link
from entities.models import Persona
from reports.models import ReportRun
from tests.crew.factories import crew_event
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, note

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)


@pytest.fixture
def owner():
    user = UserFactory(username="olive")
    qos = EntityFactory(slug="qos", name="Queen of San Diego")
    other = EntityFactory(slug="other", name="Other Co")
    MembershipFactory(user=user, entity=qos, persona=Persona.CEO)
    note(qos, "2026-11", fin("Revenue", "100"))
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        crew_event(entity=qos, starts_at=NOW + dt.timedelta(days=2), title="Sunset charter")
        crew_event(entity=other, starts_at=NOW + dt.timedelta(days=2), title="Secret charter")
    return user


@time_machine.travel(NOW, tick=False)
def test_the_ceo_report_shows_upcoming_charters_and_who_is_behind(client, owner):
    client.force_login(owner)
    html = client.get(reverse("reports:portfolio", args=["ceo"])).content.decode()

    assert "Upcoming charters" in html and "Sunset charter" in html
    assert "Secret charter" not in html and "Other Co" not in html
    row = html.split("Sunset charter", 1)[1].split("</tr>", 1)[0]
    assert " of " in row
    assert "5 Dec 2026, 04:00 PST" in row  # 12:00 UTC, in the event's own Los Angeles


@time_machine.travel(NOW, tick=False)
def test_a_checklist_item_done_renders_the_stored_report_again(client, owner):
    client.force_login(owner)
    url = reverse("reports:portfolio", args=["ceo"])
    client.get(url)
    item = ChecklistItem.objects.filter(event__title="Sunset charter", done=False).first()
    assert item is not None
    before = ReportRun.objects.count()

    assert checklist_item_done_by_link(item_pk=item.pk, user_id="crew-1", now=NOW)
    client.get(url)

    assert ReportRun.objects.count() == before + 1


@time_machine.travel(NOW, tick=False)
def test_a_report_for_an_earlier_date_says_readiness_is_known_for_now_only(client, owner):
    client.force_login(owner)
    html = client.get(reverse("reports:portfolio", args=["ceo"]) + "?as_of=2026-11-30").content
    assert b"known for now only" in html and b"Sunset charter" not in html


@time_machine.travel(NOW, tick=False)
def test_an_event_without_a_checklist_says_so_not_100_percent(client, owner):
    qos = owner.memberships.get().entity
    crew_event(entity=qos, starts_at=NOW + dt.timedelta(days=3), event_id="no-list",
               title="Harbour cruise", checklist=[])  # fmt: skip
    client.force_login(owner)
    html = client.get(reverse("reports:portfolio", args=["ceo"])).content.decode()

    row = html.split("Harbour cruise", 1)[1].split("</tr>", 1)[0]
    assert "no checklist" in row
    assert "0 of 0" not in row and "100%" not in row
