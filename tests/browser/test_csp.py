"""Under the Content-Security-Policy, in Debian's Chromium: nothing is refused, everything works."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from entities.services import handoffs_ingest
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"


@pytest.fixture
def refusals(page):
    """What the browser refused under the policy, as it tells the console."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Security Policy" in m.text else None)
    return seen


def sign_in(page):
    page.fill("#id_username", "exec")
    page.fill("#id_password", "correct-horse-battery")
    page.click("[type=submit]")


def test_the_admin_works_under_the_policy(page, live_server, refusals):
    UserFactory(username="exec", is_superuser=True, is_staff=True)
    page.goto(f"{live_server.url}/admin/login/")
    sign_in(page)
    page.wait_for_url(f"{live_server.url}/admin/")
    # The admin's own stylesheet and scripts loaded: its header is styled, the sidebar toggles.
    header = page.eval_on_selector("#header", "e => getComputedStyle(e).backgroundColor")
    assert header not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")

    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/add/")
    # django-celery-beat's script (moved to a static file) ran: the crontab is told in words,
    # and the read-only translation row is hidden.
    assert page.locator(".field-crontab_translation").is_hidden()
    assert page.locator(".field-crontab .crontab-in-words").count() == 1
    page.fill("#id_name", "A task")
    page.goto(f"{live_server.url}/admin/entities/entity/")
    assert page.locator("#changelist").count() == 1
    assert refusals == []

    # And the policy is really there: an inline script put in the page is refused, and told.
    with page.expect_console_message(lambda m: "Security Policy" in m.text):
        page.evaluate("() => { const s = document.createElement('script');"
                      " s.textContent = 'window.ran = 1'; document.body.append(s); }")
    assert page.evaluate("() => window.ran === undefined")
    assert len(refusals) == 1 and "script-src" in refusals[0]


def test_the_report_page_and_its_email_preview_work_under_their_policies(
    page, live_server, refusals
):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=True):
        handoffs_ingest(paths=[EXAMPLES])
        UserFactory(username="exec", is_superuser=True, is_staff=True)
        page.goto(f"{live_server.url}/login/")
        sign_in(page)
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/reports/cfo/")
        # report.js ran (it shows the print button) and report.css styled the report.
        assert page.locator("[data-print]").is_visible()
        radius = page.eval_on_selector(".report", "e => getComputedStyle(e).borderRadius")
        assert radius == "12px"

        page.goto(f"{live_server.url}/reports/cfo/?view=email")
        # The inline styles apply under the email's own policy.
        border = page.eval_on_selector("td.tile", "e => getComputedStyle(e).borderTopStyle")
        assert border == "solid"
        # Sandboxed without allow-same-origin: the document has no origin of ours, so even
        # code that ran in it could not read the site's cookies.
        assert page.evaluate("() => { try { return document.cookie; }"
                             " catch (e) { return 'blocked'; } }") == "blocked"
    assert refusals == []
