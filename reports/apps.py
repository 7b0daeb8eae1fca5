from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Persona reports"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from entities.models import Item, Metric, Receivable, Snapshot
        from reports.rowcache import ROWS

        # Snapshots are written once; should a row still be edited (in the admin), the rows
        # cached for its snapshot are dropped, so no report shows the old value.
        def forget(sender: type, instance: object, **kwargs: object) -> None:
            snapshot_id = instance.pk if sender is Snapshot else instance.snapshot_id
            if snapshot_id is not None:
                ROWS.forget_snapshot(snapshot_id)

        for model in (Snapshot, Metric, Item, Receivable):
            post_save.connect(forget, sender=model, dispatch_uid=f"reports-rows-{model.__name__}")
            post_delete.connect(
                forget, sender=model, dispatch_uid=f"reports-rows-del-{model.__name__}"
            )
