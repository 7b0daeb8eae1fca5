"""The scheduled ingest: a beat entry in the database, and a task that re-reads HANDOFF_DIR."""

import pytest
from django_celery_beat.models import PeriodicTask

from entities.models import Snapshot
from entities.tasks import ingest_handoffs

pytestmark = pytest.mark.django_db


def test_beat_runs_the_ingest_hourly_by_default_from_an_editable_schedule():
    task = PeriodicTask.objects.get(task="entities.ingest_handoffs")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (1, "hours")


def test_the_task_reads_handoff_dir_and_is_safe_to_run_twice(settings, tmp_path, caplog):
    (tmp_path / "qos.md").write_text("# QOS\n\n## KPIs\n- Charters: 14\n- Leads: lots\n")
    settings.HANDOFF_DIRS = [tmp_path]

    first = ingest_handoffs()
    second = ingest_handoffs()

    assert first["snapshots_created"] == 1 and second["unchanged"] == 1
    assert Snapshot.objects.count() == 1
    assert "qos.md:5: could not read 'lots'" in caplog.text
