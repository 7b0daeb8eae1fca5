from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Quarterdeck configuration"

    def ready(self) -> None:
        from config import checks, signin  # noqa: F401  (registers the checks and receivers)
