"""The hourly re-ingest's steady state: a file whose bytes are those of the last run is not
parsed again, and what is known of the files is read in one query."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entities import services
from entities.models import Entity, Snapshot, SourceFile
from entities.services import handoffs_ingest

pytestmark = pytest.mark.django_db

NOTE = "---\nperiod: 2026-11\n---\n# QOS\n\n## KPIs\n- Charters: 14\n- Leads: lots\n"
AN_HOUR_AGO_NS = time.time_ns() - 3600 * 10**9


def write(path: Path, text: str | bytes, *, mtime_ns: int | None = AN_HOUR_AGO_NS) -> Path:
    """A note written a while ago (a file modified this very second is hashed, not trusted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def ingest(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest_handoffs", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def forbid(monkeypatch, name: str) -> None:
    """From here on, the test fails if the ingest calls this reading step."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"{name} was called")

    monkeypatch.setattr(services, name, refuse)


def test_a_file_with_the_size_and_mtime_of_the_last_run_is_skipped_without_being_read(
    tmp_path, monkeypatch
):
    note = write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    forbid(monkeypatch, "read_handoff_bytes")

    report = handoffs_ingest(paths=[tmp_path])

    assert report.summary["skipped_unchanged"] == 1 and report.summary["unchanged"] == 1
    assert Snapshot.objects.count() == 1
    stored = SourceFile.objects.get()
    assert (stored.size, stored.mtime_ns) == (note.stat().st_size, AN_HOUR_AGO_NS)


def test_same_size_and_mtime_are_taken_for_the_same_bytes(tmp_path):
    """The trade made for speed, as git makes it: a rewrite that keeps both is not seen."""
    note = write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    write(note, NOTE.replace("Charters: 14", "Charters: 15"))

    assert handoffs_ingest(paths=[tmp_path]).summary["skipped_unchanged"] == 1
    assert Snapshot.objects.count() == 1


def test_a_touched_file_with_the_same_bytes_is_hashed_not_parsed_and_its_mtime_kept(
    tmp_path, monkeypatch
):
    note = write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    read_at = SourceFile.objects.get().read_at
    later = AN_HOUR_AGO_NS + 60 * 10**9
    os.utime(note, ns=(later, later))
    forbid(monkeypatch, "parse_handoff_bytes")

    report = handoffs_ingest(paths=[tmp_path])

    assert report.summary["skipped_unchanged"] == 1
    stored = SourceFile.objects.get()
    assert stored.mtime_ns == later and stored.read_at == read_at


def test_a_changed_file_is_read_again_and_adds_a_snapshot(tmp_path):
    note = write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    write(note, NOTE.replace("Charters: 14", "Charters: 9"), mtime_ns=AN_HOUR_AGO_NS + 10**9)

    report = handoffs_ingest(paths=[tmp_path])

    assert report.summary == {
        "files": 1, "ok": 0, "warnings": 1, "errors": 0, "snapshots_created": 1,
        "unchanged": 0, "skipped_unchanged": 0,
    }  # fmt: skip
    assert Snapshot.objects.count() == 2


def test_a_file_modified_this_second_is_hashed_next_time_not_trusted_by_its_mtime(tmp_path):
    """Within the file system's timestamp granularity a second write of the same size could
    keep the mtime; such a file's size and mtime are not kept."""
    note = write(tmp_path / "qos.md", NOTE, mtime_ns=None)
    handoffs_ingest(paths=[tmp_path])
    assert SourceFile.objects.get().mtime_ns is None
    write(note, NOTE.replace("Charters: 14", "Charters: 15"), mtime_ns=None)

    assert handoffs_ingest(paths=[tmp_path]).summary["snapshots_created"] == 1


def test_the_known_files_are_read_in_one_query_for_3_or_30_notes(tmp_path):
    counts = []
    for size in (3, 30):
        folder = tmp_path / str(size)
        for n in range(size):
            write(folder / f"e{size}-{n}.md", NOTE.replace("QOS", f"E{n}"))
        handoffs_ingest(paths=[folder])
        with CaptureQueriesContext(connection) as queries:
            report = handoffs_ingest(paths=[folder])
        assert report.summary["skipped_unchanged"] == size
        counts.append(len(queries))
        tables = [q["sql"] for q in queries.captured_queries if "entities_" in q["sql"]]
        assert len(tables) == 1 and "entities_sourcefile" in tables[0]
    assert counts[0] == counts[1]


def test_a_skipped_file_repeats_its_problems_and_a_broken_one_still_fails(tmp_path):
    write(tmp_path / "qos.md", NOTE)
    write(tmp_path / "broken.md", b"")
    ingest(str(tmp_path))

    code, out, err = ingest(str(tmp_path))

    assert code == 1
    assert f"{tmp_path / 'qos.md'}:8: warning: could not read 'lots'" in err
    assert f"{tmp_path / 'broken.md'}: error: file is empty" in err
    assert "2 skipped (bytes unchanged since the last run)" in out


def test_json_counts_the_skipped_files_and_marks_each(tmp_path):
    write(tmp_path / "qos.md", NOTE)
    ingest(str(tmp_path))

    _code, out, _err = ingest(str(tmp_path), "--json")

    document = json.loads(out)
    assert document["summary"]["skipped_unchanged"] == 1
    (entry,) = document["files"]
    assert entry["skipped"] is True and entry["snapshot"] == "unchanged"
    assert entry["entity"] == "qos" and entry["status"] == "warnings"
    assert entry["problems"][0]["line"] == 8


def test_reread_parses_every_file_again(tmp_path):
    write(tmp_path / "qos.md", NOTE)
    ingest(str(tmp_path))

    _code, out, _err = ingest(str(tmp_path), "--reread")

    assert "1 unchanged, 0 skipped" in out


def test_a_file_whose_snapshot_is_gone_is_read_again_even_if_unchanged(tmp_path):
    write(tmp_path / "qos.md", NOTE)
    handoffs_ingest(paths=[tmp_path])
    Entity.objects.get(slug="qos").delete()

    report = handoffs_ingest(paths=[tmp_path])

    assert report.summary["snapshots_created"] == 1 and report.summary["skipped_unchanged"] == 0
    assert Snapshot.objects.get().entity.slug == "qos"
