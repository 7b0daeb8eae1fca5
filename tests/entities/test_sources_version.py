"""Every write to what a report reads of an entity moves its `sources_version` (the one column
a stored report's key reads to know whether anything changed), and nothing else moves it."""

from __future__ import annotations

import pytest

from entities.models import Entity, Metric, Snapshot
from entities.services import handoffs_ingest
from tests.entities.test_ingest_steady_state import NOTE, write
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def version(slug: str) -> int:
    return Entity.objects.get(slug=slug).sources_version


def test_a_note_read_moves_its_entity_and_an_unchanged_one_does_not(tmp_path):
    note = write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    first = version("qos")

    handoffs_ingest(paths=[tmp_path])  # skipped unread
    assert version("qos") == first

    write(note, NOTE.replace("Charters: 14", "Charters: 140"))
    handoffs_ingest(paths=[tmp_path])
    assert version("qos") == first + 1


def test_a_note_that_fails_and_then_reads_moves_its_entity_each_time(tmp_path):
    note = write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    before = version("qos")

    write(note, b"\xff\xfe not utf-8")
    handoffs_ingest(paths=[tmp_path])
    failed = version("qos")
    write(note, NOTE)  # the earlier bytes: no new snapshot, but the failure is gone
    handoffs_ingest(paths=[tmp_path])

    assert before < failed < version("qos")
    assert Snapshot.objects.count() == 1


def test_a_batch_of_notes_moves_each_entity_it_changed_once(tmp_path):
    for month in ("2026-10", "2026-11"):
        write(tmp_path / month / "qos.md", NOTE.replace("2026-11", month))
    write(tmp_path / "2026-11" / "jada.md", NOTE.replace("# QOS", "# JADA"))

    handoffs_ingest(paths=[tmp_path])

    assert (version("qos"), version("jada")) == (1, 1)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_deleting_a_snapshot_or_a_row_in_the_admin_moves_its_entity(admin_client, tmp_path):
    write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    before = version("qos")
    metric = Metric.objects.first()

    admin_client.post(f"/admin/entities/metric/{metric.pk}/delete/", {"post": "yes"})
    after_row = version("qos")
    snapshot = Snapshot.objects.get()
    admin_client.post("/admin/entities/snapshot/", {
        "action": "delete_selected", "_selected_action": [snapshot.pk], "post": "yes"})  # fmt: skip

    assert not Snapshot.objects.exists()
    assert before < after_row < version("qos")


def test_editing_the_entity_or_its_members_does_not_move_its_sources(admin_client, tmp_path):
    write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    before = version("qos")
    entity = Entity.objects.get(slug="qos")

    entity.description = "A charter yacht"
    entity.save()  # moves updated_at, which a report's key reads beside this

    assert version("qos") == before
