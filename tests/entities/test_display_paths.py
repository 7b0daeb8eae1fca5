"""No absolute server path is ever shown: a note is named relative to the folder it was read
from (a file given alone, by its name), in the store, the admin, the dashboard and the
ingest's own messages."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from entities.models import Snapshot, SourceFile
from entities.tasks import ingest_handoffs
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTE = "---\nperiod: 2026-11\n---\n# QOS\n\n## KPIs\n- Charters: 14\n- Leads: lots\n"


def ingest(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest_handoffs", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def outside(tmp_path: Path, settings) -> Path:
    """A notes folder that is not HANDOFF_DIR, with one good note and one broken one."""
    settings.HANDOFF_DIRS = [tmp_path / "handoff-dir"]
    folder = tmp_path / "elsewhere" / "notes"
    (folder / "2026-11").mkdir(parents=True)
    (folder / "2026-11" / "qos.md").write_text(NOTE, encoding="utf-8")
    (folder / "2026-11" / "jada.md").write_bytes(b"")
    return folder


def test_a_note_read_from_a_folder_is_stored_by_its_path_within_that_folder(outside):
    ingest(str(outside))

    snapshot = Snapshot.objects.get()
    assert snapshot.display_path == "2026-11/qos.md"
    assert snapshot.source_path == str((outside / "2026-11" / "qos.md").resolve())
    assert dict(SourceFile.objects.values_list("display_path", "status")) == {
        "2026-11/qos.md": "warnings", "2026-11/jada.md": "error",
    }  # fmt: skip


def test_a_file_given_alone_is_stored_by_its_name(outside):
    ingest(str(outside / "2026-11" / "qos.md"))
    assert Snapshot.objects.get().display_path == "qos.md"


def test_handoff_dir_notes_are_named_relative_to_it_in_messages_and_json(outside, settings):
    settings.HANDOFF_DIRS = [outside]

    _code, _out, err = ingest()
    _code, out, _err = ingest("--json", "--reread")

    assert "2026-11/qos.md:8: warning: could not read 'lots'" in err
    assert "2026-11/jada.md: error: file is empty" in err
    assert str(outside) not in err and str(outside) not in out
    paths = {f["path"] for f in json.loads(out)["files"]}
    assert paths == {"2026-11/qos.md", "2026-11/jada.md"}


def test_the_scheduled_ingest_logs_relative_paths(outside, settings, caplog):
    settings.HANDOFF_DIRS = [outside]
    with caplog.at_level(logging.WARNING, logger="entities.tasks"):
        ingest_handoffs()
    assert "2026-11/qos.md:8: could not read 'lots'" in caplog.text
    assert str(outside) not in caplog.text


def test_the_admin_and_the_dashboard_show_no_absolute_path(outside, client):
    ingest(str(outside))
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    snapshot = Snapshot.objects.get()
    broken = SourceFile.objects.get(status="error")

    pages = {
        url: client.get(url)
        for url in (
            reverse("admin:entities_snapshot_changelist"),
            reverse("admin:entities_snapshot_change", args=[snapshot.pk]),
            reverse("admin:entities_sourcefile_changelist"),
            reverse("admin:entities_sourcefile_change", args=[broken.pk]),
            reverse("dashboard"),
        )
    }

    for url, page in pages.items():
        assert page.status_code == 200, url
        assert str(outside) not in page.content.decode(), url
    assert "2026-11/qos.md" in pages[reverse("dashboard")].content.decode()
    files = pages[reverse("admin:entities_sourcefile_changelist")].content.decode()
    assert "2026-11/jada.md" in files
