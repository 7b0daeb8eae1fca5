from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        # SES events arrive through django-ses's webhook as signals; our receivers mark the
        # ledger and suppress addresses.
        from delivery import receivers

        receivers.connect()
