"""What was rendered: each current report shown, downloaded or prepared for email, kept exactly."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from entities.models import Persona


class ReportView(models.TextChoices):
    PAGE = "page", "Page"
    EMAIL = "email", "Email"
    EXPORT = "export", "Download"


class ReportRun(models.Model):
    """One rendering of one persona's report over one set of entities, as of one day: a record,
    written once and never changed.

    Its key — persona, scope, day, view and the fingerprint of its sources (the entities it
    covers, their notes, and the code that draws reports) — is unique: a page asks for the run
    with its key and shows it without building anything, and a new note changes the
    fingerprint, so the next request renders and stores a new run. Runs are kept for the
    current notes and for what delivery sends; a report for an earlier date someone picked is
    not stored (reports.services). Delivery sends `html` and `text` of an email run exactly as
    stored.
    """

    persona = models.CharField(max_length=3, choices=Persona.choices)
    scope = models.CharField(max_length=50, help_text='"portfolio" or an entity slug.')
    entity_ids = models.JSONField(default=list, help_text="The entities it covers, sorted.")
    as_of = models.DateField(help_text="The day it speaks for: aging and staleness count from it.")
    period = models.CharField(max_length=200, blank=True, help_text="The periods covered.")
    periods = models.JSONField(
        default=list, blank=True, help_text="The periods with a note: the date selector's list."
    )
    view = models.CharField(max_length=10, choices=ReportView.choices)
    html = models.TextField()
    text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, help_text="sha256 of html and text.")
    source_key = models.CharField(
        max_length=64, help_text="Fingerprint of the entities, notes and code it was drawn from."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two requests that miss at once store one run (reports.services.report_render).
            models.UniqueConstraint(
                fields=["persona", "scope", "as_of", "view", "source_key"],
                name="reportrun_unique_key",
            ),
            models.CheckConstraint(
                condition=models.Q(persona__in=Persona.values), name="reportrun_persona_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(view__in=ReportView.values), name="reportrun_view_valid"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="reportrun_created")]

    def __str__(self) -> str:
        return f"{self.persona} {self.scope} {self.view} {self.as_of}"
