"""A nudge link: GET shows a confirm page and changes nothing; the button's POST marks the item
done, once; an expired, tampered or foreign link is a clear page, never a 500."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from crew.emails import nudge_email_render
from crew.links import link_token_make
from crew.models import ChecklistItem
from crew.services import nudges_due
from crew.tokens import token_issue
from tests.crew.conftest import CrewClient
from tests.crew.factories import crew_event

pytestmark = pytest.mark.django_db

DEPARTS = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)
NOW = DEPARTS - dt.timedelta(hours=20)


@pytest.fixture
def link(qos, time_machine) -> str:
    """The path of the first link in Dev's nudge email (fuel), as the outbox would hold it."""
    time_machine.move_to(NOW, tick=False)
    crew_event(entity=qos, starts_at=DEPARTS)
    nudge = next(n for n in nudges_due(now=NOW) if n.participant.user_id == "crew-1")
    url = re.findall(r"Mark it done: (\S+)", nudge_email_render(nudge=nudge, now=NOW).text)[0]
    return url.removeprefix("http://127.0.0.1:8000")


def test_opening_the_link_shows_the_item_and_changes_nothing(link):
    client = Client()
    for _ in range(3):  # a mail scanner, a preview, the reader
        response = client.get(link)
        assert response.status_code == 200
    assert "Fuel to 90%" in response.text and "Mark it done" in response.text
    assert not ChecklistItem.objects.get(item_id="fuel").done


def test_the_button_marks_the_item_done_once(link):
    client = Client(enforce_csrf_checks=True)
    page = client.get(link)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    first = client.post(link, {"csrfmiddlewaretoken": token})
    item = ChecklistItem.objects.get(item_id="fuel")
    second = client.post(link, {"csrfmiddlewaretoken": token})

    assert first.status_code == 200 and "Marked done" in first.text
    assert item.done and item.done_by == "crew-1" and item.done_at == NOW
    assert second.status_code == 200 and "already done" in second.text
    assert ChecklistItem.objects.get(item_id="fuel").done_at == NOW
    assert not ChecklistItem.objects.get(item_id="ice").done  # the other link's item


def test_the_button_moves_the_events_updated_at_and_a_second_press_does_not(link, time_machine):
    event = ChecklistItem.objects.get(item_id="fuel").event
    pressed = NOW + dt.timedelta(minutes=5)
    time_machine.move_to(pressed, tick=False)
    Client().post(link)
    time_machine.move_to(pressed + dt.timedelta(minutes=5), tick=False)
    Client().post(link)  # already done: nothing changes
    event.refresh_from_db()
    assert event.updated_at == pressed


def test_an_item_already_done_names_who_did_it(link):
    ChecklistItem.objects.filter(item_id="fuel").update(done=True, done_by="cap-1", done_at=NOW)
    for response in (Client().get(link), Client().post(link)):
        assert response.status_code == 200
        assert "already done (by Cora Captain)" in response.text
        assert "cap-1" not in response.text


def test_an_item_done_by_someone_not_on_the_crew_names_their_id(link):
    ChecklistItem.objects.filter(item_id="fuel").update(done=True, done_by="harbour-7",
                                                        done_at=NOW)  # fmt: skip
    assert "already done (by harbour-7)" in Client().get(link).text


def test_the_confirm_page_reads_the_item_in_one_query(link, django_assert_num_queries):
    ChecklistItem.objects.filter(item_id="fuel").update(done=True, done_by="cap-1", done_at=NOW)
    # The item with its event, its entity and the name of who did it.
    with django_assert_num_queries(1):
        assert "(by Cora Captain)" in Client().get(link).text


def test_a_press_on_an_item_that_is_gone_says_so(link):
    ChecklistItem.objects.filter(item_id="fuel").delete()
    response = Client().post(link)
    assert response.status_code == 404 and "no longer exists" in response.text
    assert not ChecklistItem.objects.filter(done=True).exists()


def test_a_post_without_the_forms_csrf_token_changes_nothing(link):
    response = Client(enforce_csrf_checks=True).post(link)
    assert response.status_code == 403
    assert not ChecklistItem.objects.get(item_id="fuel").done


def test_an_expired_link_is_a_clear_page(link, time_machine):
    time_machine.move_to(NOW + dt.timedelta(hours=73), tick=False)
    for response in (Client().get(link), Client().post(link)):
        assert response.status_code == 410
        assert "This link has expired" in response.text
    assert not ChecklistItem.objects.get(item_id="fuel").done


def test_a_link_just_inside_its_lifetime_still_works(link, time_machine):
    time_machine.move_to(NOW + dt.timedelta(hours=71), tick=False)
    assert Client().post(link).status_code == 200
    assert ChecklistItem.objects.get(item_id="fuel").done


@pytest.mark.parametrize("mangle", [lambda p: p.replace("/done/", "/done/x"),
                                    lambda p: p[:-6] + "AAAAA/",
                                    lambda p: "/crew/done/" + "a" * 600 + "/",
                                    lambda p: "/crew/done/%00%ff/"])  # fmt: skip
def test_a_tampered_link_is_a_clear_page(link, mangle):
    for response in (Client().get(mangle(link)), Client().post(mangle(link))):
        assert response.status_code == 400
        assert "This link is not valid" in response.text
    assert not ChecklistItem.objects.filter(done=True).exists()


def test_a_link_to_an_item_that_is_gone_says_so(link):
    ChecklistItem.objects.filter(item_id="fuel").delete()
    response = Client().get(link)
    assert response.status_code == 404 and "no longer exists" in response.text


def test_an_api_token_is_not_a_link(qos):
    crew_event(entity=qos, starts_at=DEPARTS)
    token, _ = token_issue(user_id="crew-1", entity="qos")
    for response in (Client().get(f"/crew/done/{token}/"), Client().post(f"/crew/done/{token}/")):
        assert response.status_code == 400
    assert not ChecklistItem.objects.filter(done=True).exists()


def test_a_link_token_is_not_an_api_token(qos):
    event = crew_event(entity=qos, starts_at=DEPARTS)
    item = event.checklist.get(item_id="fuel")
    link_token = link_token_make(item_pk=item.pk, user_id="crew-1")
    client = CrewClient(link_token)

    assert client.get("/events").status_code == 401
    assert client.patch("/events/charter-1/checklist/fuel", {"done": True}).status_code == 401
    assert not ChecklistItem.objects.get(pk=item.pk).done
