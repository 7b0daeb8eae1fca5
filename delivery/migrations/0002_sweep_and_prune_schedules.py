"""The delivery sweeper (every minute) and the pruning of old bodies (daily), editable in the admin."""

from django.db import migrations

SWEEP = "Sweep deliveries"
PRUNE = "Prune old delivery bodies"


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    every_day, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "delivery.sweep",
            "interval": every_minute,
            "description": "Queues again deliveries left queued (a lost task); marks sends "
            "interrupted mid-way uncertain. Safe to run twice.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=PRUNE,
        defaults={
            "task": "delivery.prune_bodies",
            "interval": every_day,
            "description": "Empties the bodies of deliveries older than DELIVERY_BODIES_KEEP_DAYS; "
            "the ledger rows stay.",
        },
    )


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[SWEEP, PRUNE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
