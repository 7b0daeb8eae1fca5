"""The ingest_handoffs command: notes in, snapshots out, every problem named by file and line."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from entities.models import Entity, Item, Metric, Receivable, Snapshot, SourceFile

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "handoffs"

QOS = """---
name: Queen of San Diego
kind: core
period: 2026-11
---
# Queen of San Diego

## KPIs
| Metric | Value | Target |
|---|---|---|
| Charters booked | 14 | 18 |
| Leads | lots | 60 |

## Financials
- Revenue: $48,200
- Expenses: (1,200)
- Cash on hand: n/a

## Receivables
| Client | Invoice | Amount | Due | Status |
|---|---|---|---|---|
| Harbor Events | INV-118 | $9,400 | 2026-10-15 | overdue |

## Tech Debt
- [ ] [high] Crew schedule in a spreadsheet <script>alert(1)</script>
- [x] [low] Booking emails moved off Gmail

## Risks
- [critical] Insurance renewal

## Next Steps
- [ ] Sign the winter contract
"""


def ingest(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest_handoffs", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_it_creates_the_entity_and_a_snapshot_with_every_row(tmp_path):
    note = write(tmp_path, "qos.md", QOS)

    code, out, err = ingest(str(note))

    assert code == 0
    entity = Entity.objects.get(slug="qos")
    assert (entity.name, entity.kind) == ("Queen of San Diego", "core")
    snapshot = Snapshot.objects.get(entity=entity)
    assert snapshot.period_label == "2026-11" and str(snapshot.period) == "2026-11-01"
    assert snapshot.raw_text == QOS and snapshot.source_path == str(note.resolve())
    metrics = {m.name: m for m in Metric.objects.filter(snapshot=snapshot)}
    assert metrics["Charters booked"].value == 14 and metrics["Charters booked"].target == 18
    assert metrics["Revenue"].value == Decimal("48200") and metrics["Revenue"].unit == "USD"
    assert metrics["Expenses"].value == Decimal("-1200")
    assert metrics["Cash on hand"].value is None  # "n/a" is no value, never 0
    assert metrics["Leads"].value is None and metrics["Leads"].raw == "lots"
    receivable = Receivable.objects.get(snapshot=snapshot)
    assert (receivable.amount, str(receivable.due)) == (Decimal("9400"), "2026-10-15")
    debt = Item.objects.filter(snapshot=snapshot, kind="tech_debt").order_by("line")
    assert [(i.severity, i.resolved) for i in debt] == [("high", False), ("low", True)]
    # Stored as written; the sanitiser runs where it is shown.
    assert "<script>alert(1)</script>" in debt[0].text
    assert Item.objects.get(snapshot=snapshot, kind="risk").severity == "critical"
    assert "1 files: 0 ok, 1 with warnings, 0 with errors; 1 snapshots created" in out
    assert f"{note}:12: warning: could not read 'lots'" in err


def test_an_unchanged_file_makes_nothing_new_and_a_changed_one_adds_history(tmp_path):
    note = write(tmp_path, "qos.md", QOS)
    ingest(str(note))
    first = Snapshot.objects.get()

    code, out, _ = ingest(str(note))
    assert code == 0 and "0 snapshots created, 1 unchanged" in out
    assert Snapshot.objects.count() == 1

    write(tmp_path, "qos.md", QOS.replace("period: 2026-11", "period: 2026-12"))
    ingest(str(note))
    assert Snapshot.objects.count() == 2
    latest = Snapshot.objects.latest()
    assert latest.period_label == "2026-12"
    assert latest.previous() == first
    first.refresh_from_db()
    assert first.period_label == "2026-11"  # history is never overwritten


def test_json_prints_exactly_the_contract_and_nothing_else(tmp_path):
    write(tmp_path, "qos.md", QOS)

    code, out, _ = ingest(str(tmp_path), "--json")

    document = json.loads(out)  # the whole of stdout is one JSON document
    assert code == 0
    assert document["summary"] == {
        "files": 1, "ok": 0, "warnings": 1, "errors": 0, "snapshots_created": 1, "unchanged": 0,
        "skipped_unchanged": 0,
    }
    (entry,) = document["files"]
    assert entry["entity"] == "qos" and entry["status"] == "warnings"
    assert entry["snapshot"] == "created" and entry["period"] == "2026-11"
    assert entry["currency"] == "USD"
    revenue = next(m for m in entry["metrics"] if m["name"] == "Revenue")
    assert revenue == {
        "section": "financials", "name": "Revenue", "value": "48200", "unit": "USD",
        "target": None, "better": None, "period": None, "line": 15,
    }
    assert next(m for m in entry["metrics"] if m["name"] == "Expenses")["value"] == "-1200"
    assert entry["receivables"][0] == {
        "client": "Harbor Events", "invoice": "INV-118", "amount": "9400", "unit": "USD",
        "due": "2026-10-15", "status": "overdue", "line": 22,
    }
    assert entry["tech_debt"][1] == {
        "text": "Booking emails moved off Gmail", "severity": "low", "resolved": True, "line": 26,
    }
    assert entry["problems"] == [
        {"line": 12, "severity": "warning",
         "message": "could not read 'lots' as a number for 'Leads'"},
    ]


def test_dry_run_parses_and_reports_but_writes_nothing(tmp_path):
    write(tmp_path, "qos.md", QOS)
    write(tmp_path, "broken.md", b"")

    code, out, err = ingest(str(tmp_path), "--dry-run")

    assert code == 1
    assert "(dry run: nothing written)" in out
    assert "broken.md: error: file is empty" in err
    assert not Entity.objects.exists() and not SourceFile.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "file is empty"),
        ("binary.md", b"# Title\n\x00\x01\x02", "binary"),
        ("latin1.md", "# Caf\xe9\n\n## KPIs\n- Covers: 12\n".encode("latin-1"), "not valid UTF-8"),
        ("badyaml.md", b"---\nname: [unclosed\n---\n# X\n", "front matter"),
        ("badslug.md", b"---\nslug: Not A Slug!\n---\n# X\n", "slug"),
    ],
)
def test_a_bad_file_is_an_error_and_never_stops_the_others(tmp_path, name, content, message):
    write(tmp_path, "a-good.md", QOS)
    write(tmp_path, name, content)

    code, out, _err = ingest(str(tmp_path), "--json")

    assert code == 1
    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    assert files["a-good.md"]["snapshot"] == "created"
    bad = files[name]
    assert bad["status"] == "error" and bad["snapshot"] is None
    assert any(message in p["message"] and p["severity"] == "error" for p in bad["problems"])
    assert Snapshot.objects.count() == 1
    assert SourceFile.objects.get(path=str((tmp_path / name).resolve())).status == "error"


def test_a_very_large_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "huge.md"
    with big.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024)  # 10 MB, sparse
    code, out, _ = ingest(str(big), "--json")
    assert code == 1
    (entry,) = json.loads(out)["files"]
    assert "limit" in entry["problems"][0]["message"]


def test_warnings_alone_do_not_fail_and_ragged_rows_and_duplicates_are_named(tmp_path):
    note = write(tmp_path, "dc.md", (
        "# DC\n\n## KPIs\n| Metric | Value |\n|---|---|\n| Clients | 14 | extra |\n"
        "| Clients | 15 |\n"
    ))
    code, _out, err = ingest(str(note))
    assert code == 0
    assert f"{note}:6: warning:" in err  # the ragged row
    assert f"{note}:7: warning: duplicate metric 'Clients'" in err
    assert Metric.objects.get(name="Clients").value == 14  # the first one wins


def test_names_alike_up_to_the_stores_length_make_one_metric_not_a_failed_file(tmp_path):
    stem = "Revenue from " + "very " * 60
    note = write(tmp_path, "qos.md", f"# QOS\n\n## KPIs\n- {stem}east: 10\n- {stem}west: 20\n")

    code, out, err = ingest(str(note))

    assert code == 0 and "1 snapshots created" in out
    assert f"{note}:5: warning: duplicate metric" in err
    assert Metric.objects.get().value == 10


def test_the_planted_duplicate_in_the_example_dc_note_keeps_its_first_row_and_names_the_line():
    november = EXAMPLES / "2026-11" / "dc.md"

    code, _out, err = ingest(str(november))

    assert code == 0
    assert f"{november}:25: warning: duplicate metric 'Billable utilisation'" in err
    assert Metric.objects.get(name="Billable utilisation").value == 76


def test_a_missing_path_is_reported_not_ignored(tmp_path):
    code, _out, err = ingest(str(tmp_path / "nowhere"))
    assert code == 1
    assert "nowhere" in err


def test_no_file_ever_deletes_an_entity(tmp_path):
    ingest(str(write(tmp_path, "qos.md", QOS)))
    (tmp_path / "qos.md").unlink()
    write(tmp_path, "other.md", "# Other\n\n## KPIs\n- Jobs: 3\n")
    ingest(str(tmp_path))
    assert set(Entity.objects.values_list("slug", flat=True)) == {"qos", "other"}


def test_it_reads_handoff_dir_by_default_including_several_folders(tmp_path, settings):
    one, two = tmp_path / "repo-a", tmp_path / "repo-b"
    write(one, "qos.md", QOS)
    write(two, "nested/jada.md", "# JADA\n\n## KPIs\n- Bookings: 236\n")
    write(two, ".git/ignored.md", "# Hidden\n")
    settings.HANDOFF_DIRS = [one, two]

    code, _out, _ = ingest()

    assert code == 0
    assert set(Entity.objects.values_list("slug", flat=True)) == {"qos", "jada"}


def test_the_example_portfolio_loads_with_only_its_planted_findings():
    code, out, _err = ingest(str(EXAMPLES), "--json")

    document = json.loads(out)
    assert code == 0
    assert document["summary"]["files"] == 28
    assert document["summary"]["snapshots_created"] == 28
    assert Entity.objects.count() == 7
    assert Snapshot.objects.filter(entity__slug="jada").count() == 4
    warned = {
        (Path(f["path"]).parent.name, f["entity"])
        for f in document["files"] if f["status"] == "warnings"
    }
    assert warned == {("2026-11", "qdn"), ("2026-11", "dc")}
    rental = Snapshot.objects.filter(entity__slug="3028-51st-st-rental").latest()
    assert rental.metrics.filter(raw="TBD", value__isnull=True).exists()


def test_dry_run_works_as_a_linter_with_no_database_at_all(run_manage, tmp_path):
    write(tmp_path, "qos.md", QOS)
    result = run_manage(
        "ingest_handoffs", str(tmp_path), "--dry-run",
        env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
    )
    assert result.returncode == 0, result.stderr
    assert "1 files: 0 ok, 1 with warnings, 0 with errors (dry run: nothing written)." in (
        result.stdout
    )
    assert "qos.md:12: warning: could not read 'lots'" in result.stderr


def test_a_database_that_does_not_answer_is_a_clear_error_not_a_traceback(run_manage, tmp_path):
    write(tmp_path, "qos.md", QOS)
    result = run_manage(
        "ingest_handoffs", str(tmp_path), env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"}
    )
    assert result.returncode == 1
    assert "CommandError: the database did not answer" in result.stderr
    assert "Traceback" not in result.stderr
