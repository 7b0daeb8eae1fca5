"""What was rendered: each current report shown, downloaded or prepared for email, kept exactly."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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
    view = models.CharField(max_length=10, choices=ReportView.choices)
    html = models.TextField()
    bar = models.TextField(
        blank=True,
        help_text="A page's report bar (breadcrumbs, date selector, links), drawn with the run.",
    )
    text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, help_text="sha256 of html and text.")
    stale = models.JSONField(
        default=list, blank=True, help_text="The entities whose newest note was stale."
    )
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


class Recipient(models.Model):
    """Someone who gets one persona's report by email, for one entity or the portfolio.

    A recipient linked to a user gets no more than that user may see (their memberships bound
    the scope, where the email is built); one with no user gets exactly the scope set here.
    """

    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    persona = models.CharField(max_length=3, choices=Persona.choices)
    entity = models.ForeignKey(
        "entities.Entity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_recipients",
        help_text="Empty: the portfolio.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_recipients",
        help_text="If set, the email holds only the entities this user may see.",
    )
    active = models.BooleanField(default=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="Schedules are kept in this time zone."
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    from_env = models.BooleanField(
        default=False, help_text="Seeded from REPORT_RECIPIENTS (kept in step with it)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email", "persona"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "persona"],
                condition=models.Q(entity__isnull=True),
                name="recipient_unique_portfolio",
                violation_error_message="This address already gets this persona's report for "
                "the portfolio.",
            ),
            models.UniqueConstraint(
                fields=["email", "persona", "entity"],
                condition=models.Q(entity__isnull=False),
                name="recipient_unique_entity",
                violation_error_message="This address already gets this persona's report for "
                "this entity.",
            ),
            models.CheckConstraint(
                condition=models.Q(persona__in=Persona.values), name="recipient_persona_valid"
            ),
        ]

    def __str__(self) -> str:
        scope = self.entity.slug if self.entity_id else "portfolio"
        return f"{self.email} ({self.get_persona_display()}, {scope})"

    @property
    def receives(self) -> bool:
        return self.active and self.unsubscribed_at is None


class Cadence(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class Weekday(models.IntegerChoices):
    """As Python counts them (date.weekday()), which is how a schedule is matched to a day."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


# Every month has a 28th: a schedule on the 29th to 31st would skip the short months.
DAY_OF_MONTH_WORDS = "The day of the month must be from 1 to 28, so that every month has it."


class ReportSchedule(models.Model):
    """When a persona's report goes out: e.g. the CEO's weekly on Monday at 07:00, in each
    recipient's own time zone. Beat's "Send scheduled reports" task checks every few minutes
    which sends are due; each (schedule, recipient, day) is sent once (ScheduledSend)."""

    name = models.CharField(max_length=200)
    persona = models.CharField(max_length=3, choices=Persona.choices)
    recipient = models.ForeignKey(
        Recipient,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedules",
        help_text="Empty: every active recipient of this persona.",
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, help_text="For weekly schedules."
    )
    day_of_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[
            MinValueValidator(1, message=DAY_OF_MONTH_WORDS),
            MaxValueValidator(28, message=DAY_OF_MONTH_WORDS),
        ],
        help_text="For monthly schedules: 1 to 28.",
    )
    at = models.TimeField(help_text="Local time, in the recipient's time zone.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["persona", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(persona__in=Persona.values), name="schedule_persona_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(cadence__in=Cadence.values), name="schedule_cadence_valid"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="schedule_weekday"),
            models.CheckConstraint(
                condition=models.Q(day_of_month__gte=1, day_of_month__lte=28),
                name="schedule_day_of_month",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A schedule sends its own persona's report, and beat skips a recipient who gets
        another persona's (reports.sending.schedules_claim): such a pair is refused here,
        rather than saved and never sent."""
        if self.recipient_id is None or self.persona not in Persona.values:
            return
        recipient = self.recipient
        if recipient.persona != self.persona:
            theirs, ours = recipient.get_persona_display(), self.get_persona_display()
            raise ValidationError(
                {
                    "recipient": f"{recipient.email} gets the {theirs} report, and this "
                    f"schedule sends the {ours} report. Choose a {ours} recipient, or none "
                    f"for every {ours} recipient."
                }
            )

    @property
    def when(self) -> str:
        """The schedule in words, e.g. "Weekly, Monday 07:00" (each recipient's local time)."""
        at = self.at.strftime("%H:%M")
        if self.cadence == Cadence.WEEKLY:
            return f"Weekly, {self.get_weekday_display()} {at}"
        if self.cadence == Cadence.MONTHLY:
            return f"Monthly, day {self.day_of_month}, {at}"
        return f"{self.get_cadence_display()} {at}"


class ScheduledSend(models.Model):
    """One scheduled send claimed: the unique key that makes a schedule send once per period
    and recipient, however often beat fires."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="sends")
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(help_text="The recipient's local day the send was due.")
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "recipient", "period"], name="scheduledsend_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule} → {self.recipient} {self.period}"


class ReportDelivery(models.Model):
    """A report email: which run went to whom, through which delivery of the ledger. It holds
    the run with PROTECT, so pruning old runs never removes what was sent."""

    run = models.ForeignKey(ReportRun, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(
        Recipient,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        help_text="Empty: sent to an address given by hand (send_reports --to, a test).",
    )
    delivery = models.OneToOneField(
        "delivery.Delivery", on_delete=models.PROTECT, related_name="report"
    )
    scheduled = models.ForeignKey(
        ScheduledSend, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "report deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="reportdelivery_created")]

    def __str__(self) -> str:
        run = self.run
        return f"{run.get_persona_display()} {run.scope} {run.as_of} → {self.delivery.to}"
