import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entities.models import SourceFile
from entities.services import handoffs_ingest
from tests.factories import EntityFactory, MembershipFactory, SnapshotFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lists_only_the_members_entities(client):
    alice = UserFactory()
    MembershipFactory(user=alice, entity=EntityFactory(slug="jada", name="JADA"))
    EntityFactory(slug="qos", name="Queen of San Diego")
    client.force_login(alice)

    page = client.get(reverse("dashboard")).content.decode()

    assert "JADA" in page
    assert "Queen of San Diego" not in page
    assert "qos" not in page


def _noted(slug):
    """An entity whose newest note had one warning, on its line 3."""
    entity = EntityFactory(slug=slug, name=slug.upper())
    problem = {"line": 3, "severity": "warning", "message": f"{slug}: Revenue is not a number"}
    snapshot = SnapshotFactory(entity=entity, warning_count=1, problems=[problem])
    return entity, snapshot


def test_each_entity_links_to_its_reports_its_note_and_its_problems(client):
    alice = UserFactory()
    jada, note = _noted("jada")
    MembershipFactory(user=alice, entity=jada)
    client.force_login(alice)

    page = client.get(reverse("dashboard")).content.decode()

    reports = reverse("reports:entity", args=["ceo", "jada"])
    source = reverse("reports:source", args=[note.pk])
    problems = reverse("reports:entity", args=["cao", "jada"])
    assert f'<a href="{reports}"' in page and f'<a href="{source}"' in page
    assert f'<a href="{problems}#data-quality" class="badge bad"' in page
    assert 'id="data-quality"' in client.get(problems).content.decode()
    # Each leads where it says, to this member: the note marks the line, the CAO report says it.
    assert "jada: Revenue is not a number" in client.get(source).content.decode()
    assert "jada: Revenue is not a number" in client.get(problems).content.decode()
    assert client.get(reports).status_code == 200


def test_a_note_file_that_made_no_snapshot_links_to_where_its_problem_is_said(client):
    alice = UserFactory()
    jada = EntityFactory(slug="jada", name="JADA")
    SnapshotFactory(entity=jada, period=dt.date(2026, 10, 1))
    qos = EntityFactory(slug="qos", name="Queen of San Diego")
    for entity in (jada, qos):
        MembershipFactory(user=alice, entity=entity)
        SourceFile.objects.create(
            path=f"/notes/2026-11/{entity.slug}.md", display_path=f"2026-11/{entity.slug}.md",
            entity=entity, status="error",
            problems=[{"line": 1, "severity": "error", "message": "the file is empty"}],
        )  # fmt: skip
    client.force_login(alice)

    page = client.get(reverse("dashboard")).content.decode()

    # JADA's October note stands and its CAO report lists the November file's problem.
    problems = reverse("reports:entity", args=["cao", "jada"])
    assert f'<a href="{problems}#data-quality" class="badge bad"' in page
    assert "the file is empty (no snapshot was made from this file)" in (
        client.get(problems).content.decode()
    )
    # The Queen has no note at all: her CAO report says so, and what could not be read.
    queen = reverse("reports:entity", args=["cao", "qos"])
    assert f'<a href="{queen}#data-quality" class="badge bad"' in page
    html = client.get(queen).content.decode()
    assert "No handoff notes have been read yet." in html
    assert "<code>2026-11/qos.md</code>: line 1: the file is empty" in html


def test_it_links_to_no_other_entitys_pages_and_those_stay_closed(client):
    alice = UserFactory()
    jada, _ = _noted("jada")
    MembershipFactory(user=alice, entity=jada)
    _, theirs = _noted("qos")
    client.force_login(alice)

    page = client.get(reverse("dashboard")).content.decode()

    closed = [reverse("reports:source", args=[theirs.pk]),
              reverse("reports:entity", args=["cao", "qos"]),
              reverse("reports:entity", args=["ceo", "qos"])]  # fmt: skip
    for url in closed:
        assert f'href="{url}"' not in page
        assert client.get(url).status_code == 404


def test_its_links_take_the_same_queries_for_2_and_20_entities(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    counts, shown = [], 0
    for size in (2, 20):
        for n in range(size):
            _noted(f"e{size}-{n}")
        shown += size
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("dashboard")).content.decode()
        assert page.count('class="badge bad"') == page.count("/reports/source/") == shown
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_says_so_when_the_user_has_no_entity(client):
    client.force_login(UserFactory())
    assert "not a member of any entity" in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("name", ["reports:index", "crew:index"])
def test_other_sections_do_not_leak_entities(client, name):
    alice = UserFactory()
    MembershipFactory(user=alice, entity=EntityFactory(slug="jada", name="JADA"))
    EntityFactory(slug="qos", name="Queen of San Diego")
    client.force_login(alice)

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "Queen of San Diego" not in response.content.decode()


def test_login_with_a_real_password_then_logout(client):
    UserFactory(username="owner")
    response = client.post(
        reverse("login"), {"username": "owner", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200

    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_says_so_without_a_traceback(client):
    UserFactory(username="owner")
    response = client.post(reverse("login"), {"username": "owner", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_the_admin_manages_entities_and_memberships(admin_client):
    EntityFactory(slug="jada")
    for name in [
        "admin:entities_entity_changelist",
        "admin:entities_membership_changelist",
        "admin:entities_entity_add",
        "admin:auth_user_changelist",
        "admin:django_celery_beat_periodictask_changelist",
    ]:
        assert admin_client.get(reverse(name)).status_code == 200, name


def test_a_broken_note_of_a_new_business_is_on_a_superusers_dashboard_only(client, tmp_path):
    # Bad front matter under a slug no entity has: the ingest knows no entity to keep it
    # against, and before, only its command line and the admin said so.
    (tmp_path / "newco.md").write_text("---\nslug: newco\nperiod: [2026\n---\n# NewCo\n")
    handoffs_ingest(paths=[tmp_path])
    failed = SourceFile.objects.get()
    assert failed.entity is None and failed.status == "error"

    member = UserFactory()
    MembershipFactory(user=member, entity=EntityFactory(slug="jada"))
    client.force_login(member)
    assert "newco.md" not in client.get(reverse("dashboard")).text

    client.force_login(UserFactory(is_superuser=True))
    page = client.get(reverse("dashboard")).text
    assert 'id="unread-notes"' in page
    line = failed.problems[0]["line"]
    assert f"<code>newco.md:{line}</code>" in page if line else "<code>newco.md</code>" in page
    assert failed.problems[0]["message"] in page
    assert str(tmp_path) not in page  # never the server's own path
