"""The migration that adds display paths fills them in for notes already stored, and the one
after it makes the guards on data that was written before them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("entities", "0003_display_path_and_file_stat")]
AFTER = [("entities", "0005_choice_and_metric_constraints")]


@pytest.fixture
def executor():
    executor = MigrationExecutor(connection)
    yield executor
    # Leave the schema whole for the tests after this one.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_display_paths_are_backfilled_and_a_duplicate_metric_row_goes(
    executor, settings, tmp_path
):
    settings.HANDOFF_DIRS = [tmp_path / "handoffs"]
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    entity = old.get_model("entities", "Entity").objects.create(slug="qos", name="QOS")
    inside = str((tmp_path / "handoffs").resolve() / "2026-11" / "qos.md")
    snapshot = old.get_model("entities", "Snapshot").objects.create(
        entity=entity, source_path=inside, content_hash="a" * 64, raw_text="x",
        period=dt.date(2026, 11, 1), period_label="2026-11", ingested_at=timezone.now(),
    )  # fmt: skip
    SourceFile = old.get_model("entities", "SourceFile")
    SourceFile.objects.create(path=inside, status="ok")
    SourceFile.objects.create(path="/srv/other/place/jada.md", status="error")
    Metric = old.get_model("entities", "Metric")
    for line in (7, 9):
        Metric.objects.create(snapshot=snapshot, section="kpis", name="Leads", line=line)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    assert new.get_model("entities", "Snapshot").objects.get().display_path == "2026-11/qos.md"
    files = new.get_model("entities", "SourceFile").objects.values_list("path", "display_path")
    assert dict(files) == {
        inside: "2026-11/qos.md", "/srv/other/place/jada.md": "jada.md",
    }  # fmt: skip
    assert list(new.get_model("entities", "Metric").objects.values_list("line", flat=True)) == [7]
