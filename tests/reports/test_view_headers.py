"""Report pages, downloads and runs are private and read-only: no cache keeps them, no POST."""

import pytest
from django.urls import reverse

from entities.models import Persona
from reports.models import ReportRun
from tests.factories import EntityFactory, MembershipFactory, UserFactory
from tests.reports.factories import fin, note

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    alice = UserFactory(username="alice")
    jada = EntityFactory(slug="jada", name="JADA")
    MembershipFactory(user=alice, entity=jada, persona=Persona.CFO)
    note(jada, "2026-10", fin("Revenue", "25770"))
    note(jada, "2026-11", fin("Revenue", "30555"))
    client.force_login(alice)
    return jada


def report_urls(jada) -> list[str]:
    cfo = reverse("reports:portfolio", args=["cfo"])
    one = reverse("reports:entity", args=["cfo", "jada"])
    return [
        reverse("reports:index"),
        cfo, one, cfo + "?as_of=2026-10-31",
        cfo + "?download=1", one + "?download=1",
        cfo + "?view=email", cfo + "?view=email&format=text",
        reverse("reports:source", args=[jada.snapshots.latest().pk]),
    ]  # fmt: skip


def run_urls(client) -> list[str]:
    client.get(reverse("reports:portfolio", args=["cfo"]) + "?view=email")
    urls = []
    for run in ReportRun.objects.all():
        urls.append(reverse("reports:run", args=[run.pk]))
        if run.text:
            urls.append(reverse("reports:run", args=[run.pk]) + "?format=text")
    assert len(urls) >= 2
    return urls


def test_every_report_page_download_and_run_is_private_and_never_stored(client, member):
    for url in report_urls(member) + run_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url
        assert "public" not in directives and not any(d.startswith("max-age=") and d != "max-age=0"
                                                      for d in directives), url  # fmt: skip


def test_report_views_refuse_a_post_and_every_other_writing_method(client, member):
    for url in report_urls(member) + run_urls(client):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url)
            assert response.status_code == 405, (method, url)
            assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}


def test_report_views_answer_head_like_get_without_a_body(client, member):
    for url in report_urls(member) + run_urls(client):
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b""
        assert "no-store" in response["Cache-Control"]


def test_a_post_is_refused_before_sign_in_is_even_asked(client):
    client.logout()
    response = client.post(reverse("reports:portfolio", args=["cfo"]))
    assert response.status_code == 405


def test_the_dashboard_and_the_crew_page_are_private_and_never_stored_too(client, member):
    for url in [reverse("dashboard"), reverse("crew:index")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
