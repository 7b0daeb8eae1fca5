"""Snapshot.stands_from: the day a note stands from, worked out once for each stored note."""

import calendar
import re

from django.db import migrations, models
from django.utils import timezone

BATCH = 2000
_MONTH = re.compile(r"\d{4}-\d{2}")


def note_stands_from(*, period, period_label, ingested_at):
    # entities.periods.note_stands_from as it was written with this migration.
    if period is None:
        return timezone.localtime(ingested_at).date()
    if _MONTH.fullmatch(period_label):
        return period.replace(day=calendar.monthrange(period.year, period.month)[1])
    return period


def fill(apps, schema_editor):
    Snapshot = apps.get_model("entities", "Snapshot")
    rows = Snapshot.objects.filter(stands_from__isnull=True).only(
        "id", "period", "period_label", "ingested_at"
    )
    batch = []
    for snapshot in rows.iterator(chunk_size=BATCH):
        snapshot.stands_from = note_stands_from(
            period=snapshot.period, period_label=snapshot.period_label,
            ingested_at=snapshot.ingested_at,
        )  # fmt: skip
        batch.append(snapshot)
        if len(batch) == BATCH:
            Snapshot.objects.bulk_update(batch, ["stands_from"])
            batch = []
    Snapshot.objects.bulk_update(batch, ["stands_from"])


class Migration(migrations.Migration):
    dependencies = [("entities", "0007_metric_better")]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="stands_from",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="snapshot",
            name="stands_from",
            field=models.DateField(
                editable=False,
                help_text="The day the note stands from: its period's end, or the day it was read.",
            ),
        ),
        migrations.AddIndex(
            model_name="snapshot",
            index=models.Index(fields=["entity", "stands_from"], name="snapshot_entity_stands_from"),
        ),
    ]
