from django.apps import AppConfig


class CrewConfig(AppConfig):
    name = "crew"
    verbose_name = "Ship-Captain-Crew"

    def ready(self) -> None:
        # A malformed CREW_JWT_SECRETS stops start-up (ImproperlyConfigured), not a request.
        from crew.tokens import keyring

        keyring()
