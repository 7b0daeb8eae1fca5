import datetime as dt
import re

import pytest
from django.utils import timezone

from crew.emails import nudge_email_render
from crew.services import nudges_due
from tests.crew.factories import crew_event
from tests.factories import EntityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nudge_link_opens_a_confirm_page_whose_button_marks_the_item_done(
    page, live_server, settings
):
    settings.SITE_URL = live_server.url
    qos = EntityFactory(slug="qos", name="Queen of San Diego")
    crew_event(entity=qos, starts_at=timezone.now() + dt.timedelta(hours=20))
    owner = UserFactory(username="owner")
    MembershipFactory(user=owner, entity=qos)
    nudge = next(n for n in nudges_due(now=timezone.now()) if n.participant.user_id == "crew-1")
    email = nudge_email_render(nudge=nudge, now=timezone.now())
    # The first link of the HTML part, as the outbox holds it: the fuel item.
    link = re.findall(r'class="nudge-link" href="([^"]+)"', email.html)[0]

    page.goto(link)
    assert page.locator("h1").inner_text() == "Fuel to 90%"
    page.click("text=Mark it done")
    assert "Marked done" in page.locator(".outcome").inner_text()
    page.reload()  # the page shown again: nothing more to do
    assert "already done" in page.locator(".outcome").inner_text()

    page.goto(f"{live_server.url}/login/?next=/crew/qos/charter-1/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/crew/qos/charter-1/")
    assert "done" in page.locator("tr[data-item=fuel] .status").inner_text()
    assert "by Dev Deckhand" in page.locator("tr[data-item=fuel] .status").inner_text()
    assert "open" in page.locator("tr[data-item=ice] .status").inner_text()
