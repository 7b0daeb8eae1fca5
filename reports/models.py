"""What was rendered: every report shown, downloaded or prepared for email, kept exactly."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportView(models.TextChoices):
    PAGE = "page", "Page"
    EMAIL = "email", "Email"
    EXPORT = "export", "Download"


class ReportRun(models.Model):
    """One rendering of one persona's report over one set of entities.

    It is also the cache: a page asks for the run with the same persona, scope, entities, dates
    and source_key, and shows it without building anything; a new snapshot changes the
    source_key, so the next request renders afresh. The delivery issue sends `html` and `text`
    of an email run exactly as stored.
    """

    # Not tied to entities.Persona's choices: a persona registered in reports.personas needs
    # no migration here.
    persona = models.CharField(max_length=20)
    scope = models.CharField(max_length=50, help_text='"portfolio" or an entity slug.')
    entity_ids = models.JSONField(default=list, help_text="The entities the viewer saw, sorted.")
    entity_key = models.CharField(max_length=64, help_text="sha256 of entity_ids.")
    as_of = models.DateField(null=True, blank=True, help_text="Empty: each entity's newest note.")
    reference_date = models.DateField(help_text="The day aging and staleness were counted from.")
    period = models.CharField(max_length=200, blank=True, help_text="The periods covered.")
    periods = models.JSONField(
        default=list, blank=True, help_text="The periods with a note: the date selector's list."
    )
    view = models.CharField(max_length=10, choices=ReportView.choices)
    html = models.TextField()
    text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, help_text="sha256 of html and text.")
    source_key = models.CharField(max_length=64, help_text="Fingerprint of the snapshots used.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Not stored: the entities a freshly returned run covers, for the page drawn around it.
    scope_entities: tuple = ()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["persona", "scope", "entity_key", "source_key", "view", "reference_date"],
                name="reportrun_cache_lookup",
            ),
            models.Index(fields=["created_at"], name="reportrun_created"),
        ]

    def __str__(self) -> str:
        return f"{self.persona} {self.scope} {self.view} {self.created_at:%Y-%m-%d %H:%M}"
