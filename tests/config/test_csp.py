"""Every page sends a Content-Security-Policy: scripts and styles from our own files only.

The email rendition and the download are the exceptions: inline styles, and nothing else.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from entities.models import Snapshot
from entities.services import handoffs_ingest
from reports.models import ReportRun
from reports.registry import REGISTRY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "handoffs"


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = [p.strip().split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_page_policy(response) -> None:
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert sorted(policy["img-src"]) == ["'self'", "data:"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def assert_stored_document_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["style-src"] == ["'unsafe-inline'"]
    assert policy["img-src"] == ["'none'"]
    assert policy["sandbox"] == []  # no allow-scripts, no allow-same-origin
    assert "script-src" not in policy  # so default-src 'none' forbids every script


@pytest.fixture
def examples():
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        handoffs_ingest(paths=[EXAMPLES])
        yield UserFactory(username="root", is_superuser=True, is_staff=True)


def test_the_sign_in_page_and_the_dashboard_send_the_policy(client, examples):
    assert_page_policy(client.get(reverse("login")))
    client.force_login(examples)
    assert_page_policy(client.get(reverse("dashboard")))
    assert_page_policy(client.get(reverse("crew:index")))


def test_report_pages_runs_and_notes_send_the_policy(client, examples):
    client.force_login(examples)
    assert_page_policy(client.get(reverse("reports:index")))
    assert_page_policy(client.get(reverse("reports:portfolio", args=["cfo"])))
    assert_page_policy(client.get(reverse("reports:entity", args=["cto", "jada"])))
    run = ReportRun.objects.filter(view="page").latest("pk")
    assert_page_policy(client.get(reverse("reports:run", args=[run.pk])))
    snapshot = Snapshot.objects.first()
    assert_page_policy(client.get(reverse("reports:source", args=[snapshot.pk])))


def test_the_admin_sends_the_policy_and_its_pages_need_no_inline_script(client, examples):
    client.force_login(examples)
    for url in ["/admin/", "/admin/entities/entity/", "/admin/django_celery_beat/periodictask/add/",
                "/admin/axes/accessattempt/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_policy(response)
        assert_no_inline_script_or_style(response.content.decode(), url)


def test_the_email_view_and_the_download_allow_inline_styles_and_nothing_else(client, examples):
    client.force_login(examples)
    email = client.get(reverse("reports:portfolio", args=["cfo"]) + "?view=email")
    assert email.status_code == 200 and 'style="' in email.content.decode()
    assert_stored_document_policy(email)
    download = client.get(reverse("reports:entity", args=["ceo", "jada"]) + "?download=1")
    assert download.status_code == 200 and "<style>" in download.content.decode()
    assert_stored_document_policy(download)


def test_a_stored_email_run_shown_again_has_the_email_policy(client, examples):
    client.force_login(examples)
    client.get(reverse("reports:portfolio", args=["cmo"]) + "?view=email")
    run = ReportRun.objects.get(view="email")
    response = client.get(reverse("reports:run", args=[run.pk]))
    assert response.content.decode() == run.html
    assert_stored_document_policy(response)


def test_a_missing_page_sends_the_policy_too(client, settings, examples):
    settings.DEBUG = False
    client.force_login(examples)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert_page_policy(response)


_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                            re.IGNORECASE)  # fmt: skip
_STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
_HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def assert_no_inline_script_or_style(html: str, where: str) -> None:
    assert not _INLINE_SCRIPT.search(html), (where, _INLINE_SCRIPT.search(html))
    assert not _STYLE_ATTR.search(html), (where, _STYLE_ATTR.search(html))
    assert not _HANDLER_ATTR.search(html), (where, _HANDLER_ATTR.search(html))
    assert "<style" not in html.lower(), where


def test_no_template_or_static_file_has_inline_script_style_or_handler():
    # The stored documents (emails, the download) are styled inline by design, under their own
    # policy.
    emails = (ROOT / "templates" / "emails").rglob("*.html")
    documents = {*emails, ROOT / "templates/reports/export.html"}
    files = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static").rglob("*.svg")]
    assert len(files) > 20
    for path in sorted(set(files) - documents):
        assert_no_inline_script_or_style(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.parametrize("persona", list(REGISTRY))
def test_every_report_page_renders_without_inline_script_or_style(client, examples, persona):
    client.force_login(examples)
    for url in [reverse("reports:portfolio", args=[persona]),
                reverse("reports:entity", args=[persona, "jada"])]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_inline_script_or_style(response.content.decode(), url)
