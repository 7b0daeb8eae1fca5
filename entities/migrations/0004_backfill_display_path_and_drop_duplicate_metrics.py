"""Data for the new guards: each note's display path, and one metric per (snapshot, section, name).

1. display_path: the path relative to the HANDOFF_DIR folder it lies under, else its file name
   (the folder a note was read from was not kept, and an absolute path must never be shown).
2. A note whose metric names differed only past the store's 300 characters has two rows of one
   name; the parser now keeps the first and warns. The later rows go, so the unique constraint
   of the next migration can be made.
"""

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import migrations
from django.db.models import Count

BATCH = 2000


def _display(path: str, folders: list[str]) -> str:
    for folder in folders:
        if path.startswith(folder):
            return path[len(folder):]
    return PurePosixPath(path).name


def backfill_display_paths(apps, schema_editor):
    folders = [f"{Path(folder).resolve().as_posix()}/" for folder in settings.HANDOFF_DIRS]
    for model_name, field in (("Snapshot", "source_path"), ("SourceFile", "path")):
        model = apps.get_model("entities", model_name)
        rows = []
        for row in model.objects.filter(display_path="").only("pk", field).iterator(BATCH):
            row.display_path = _display(getattr(row, field), folders)
            rows.append(row)
            if len(rows) == BATCH:
                model.objects.bulk_update(rows, ["display_path"])
                rows = []
        model.objects.bulk_update(rows, ["display_path"])


def drop_duplicate_metrics(apps, schema_editor):
    Metric = apps.get_model("entities", "Metric")
    groups = (
        Metric.objects.values("snapshot_id", "section", "name")
        .annotate(rows=Count("pk"))
        .filter(rows__gt=1)
    )
    for group in groups:
        same = Metric.objects.filter(
            snapshot_id=group["snapshot_id"], section=group["section"], name=group["name"]
        ).order_by("line", "pk")
        keep = same.values_list("pk", flat=True)[:1]
        same.exclude(pk__in=list(keep)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("entities", "0003_display_path_and_file_stat"),
    ]

    operations = [
        migrations.RunPython(backfill_display_paths, migrations.RunPython.noop),
        migrations.RunPython(drop_duplicate_metrics, migrations.RunPython.noop),
    ]
