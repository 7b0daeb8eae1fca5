"""Report runs, recipients, schedules and report emails in the admin, with "Send now"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from crew.zones import zone_get
from delivery.admin import summary_rows
from delivery.documents import framed_document
from delivery.models import Delivery, DeliveryStatus
from delivery.selectors import delivery_summary
from reports.models import Recipient, ReportDelivery, ReportRun, ReportSchedule
from reports.sending import (
    GMAIL_CLIPS_AFTER,
    RecipientGetsNothing,
    preview_for,
    recipient_gets_nothing,
    report_send_now,
    report_test_send,
    schedule_recipients,
)


def _superuser(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


class SuperuserOnly(admin.ModelAdmin):
    """Reports hold any entity's figures: only superusers (who see every entity) manage them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _superuser(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _superuser(request)


@admin.register(ReportRun)
class ReportRunAdmin(SuperuserOnly):
    """What was rendered, to look up, with what was sent from it. Written only by rendering."""

    list_display = ["id", "persona", "scope", "view", "as_of", "created_at"]
    list_filter = ["persona", "view"]
    search_fields = ["scope", "content_hash"]
    date_hierarchy = "created_at"
    readonly_fields = [*(f.name for f in ReportRun._meta.fields), "sent_from_it"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReportRun | None = None) -> bool:
        return False

    @admin.display(description="emails sent from it")
    def sent_from_it(self, obj: ReportRun) -> str:
        summary = delivery_summary(queryset=Delivery.objects.filter(report__run=obj))
        shown = {s: n for s, n in summary.items() if n}
        return ", ".join(f"{n} {s}" for s, n in shown.items()) or "none"


class RecipientForm(forms.ModelForm):
    class Meta:
        model = Recipient
        fields = ["email", "name", "persona", "entity", "user", "active", "time_zone",
                  "unsubscribed_at", "from_env"]  # fmt: skip

    def clean_email(self) -> str:
        # One mailbox, one recipient: "CEO@Example.com" beside "ceo@example.com" would get
        # every report twice (the seeding from REPORT_RECIPIENTS lowercases as well).
        return self.cleaned_data["email"].strip().lower()

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"]
        if zone_get(name) is None:
            raise forms.ValidationError(
                f"“{name}” is not a time zone name (e.g. UTC, America/Los_Angeles)."
            )
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("user") is not None and "user" not in self.errors:
            trial = Recipient(email=cleaned.get("email") or "", user=cleaned["user"],
                              entity=cleaned.get("entity"))  # fmt: skip
            if (nothing := recipient_gets_nothing(recipient=trial)) is not None:
                self.add_error("user", nothing.split(": ", 1)[1])
        return cleaned


@admin.register(Recipient)
class RecipientAdmin(SuperuserOnly):
    form = RecipientForm
    list_display = ["email", "name", "persona", "entity", "user", "active", "unsubscribed_at",
                    "time_zone", "preview"]  # fmt: skip
    list_filter = ["persona", "active", "from_env", ("unsubscribed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "name"]
    autocomplete_fields = ["user"]
    actions = ["send_now", "send_test_to_me"]

    def get_urls(self) -> list:
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<int:pk>/preview/", preview, name="reports_recipient_preview"),
                *super().get_urls()]  # fmt: skip

    @admin.display(description="preview")
    def preview(self, obj: Recipient) -> str:
        url = reverse("admin:reports_recipient_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview as this recipient</a>', url)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Exactly what this recipient would get now, scope applied; nothing is sent."""
        recipient = get_object_or_404(Recipient, pk=pk)
        try:
            subject, html, text = preview_for(recipient=recipient)
        except RecipientGetsNothing as nothing:
            self.message_user(request, str(nothing), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:reports_recipient_changelist"))
        if request.GET.get("part") == "html":
            return framed_document(html)
        size = len(html.encode())
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview: {recipient}",
            "recipient": recipient,
            "subject": subject,
            "text": text,
            "size_kb": round(size / 1024),
            "clipped": size > GMAIL_CLIPS_AFTER,
            "html_url": reverse("admin:reports_recipient_preview", args=[pk]) + "?part=html",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reports/recipient_preview.html", context)

    @admin.action(description="Send now")
    def send_now(
        self, request: HttpRequest, queryset: QuerySet[Recipient]
    ) -> HttpResponse | None:
        """Each chosen recipient's own persona's report."""
        by_persona: dict[str, list[Recipient]] = {}
        for recipient in queryset.select_related("user", "entity"):
            if not recipient.receives:
                why = "unsubscribed" if recipient.unsubscribed_at else "inactive"
                self.message_user(request, f"{recipient.email} is {why}: not sent.",
                                  messages.WARNING)  # fmt: skip
            elif (nothing := recipient_gets_nothing(recipient=recipient)) is not None:
                self.message_user(request, f"{nothing} Not sent.", messages.WARNING)
            else:
                by_persona.setdefault(recipient.persona, []).append(recipient)
        if not by_persona:
            self.message_user(request, "Nothing was queued.", messages.WARNING)
            return None
        return _send_now(self, request, by_persona)

    @admin.action(description="Send a test to me")
    def send_test_to_me(self, request: HttpRequest, queryset: QuerySet[Recipient]) -> None:
        """Each chosen recipient's email, exactly as they would get it, to the admin's own
        address (their scope applied); once per run and address."""
        if not request.user.email:
            self.message_user(request, "Your user has no email address to send a test to.",
                              messages.ERROR)  # fmt: skip
            return
        to = request.user.email
        created = 0
        for recipient in queryset.select_related("user", "entity"):
            try:
                created += report_test_send(recipient=recipient, to=to)[1]
            except RecipientGetsNothing as nothing:
                self.message_user(request, f"{nothing} No test sent.", messages.WARNING)
        self.message_user(
            request,
            f"{created} test email(s) queued to {request.user.email} (a test of the same notes "
            "is sent once).",
        )


def _send_now(
    model_admin: admin.ModelAdmin, request: HttpRequest, by_persona: dict[str, list[Recipient]]
) -> HttpResponse:
    """Queue the reports and return at once; the report deliveries list shows their progress."""
    tasks = sum(report_send_now(persona=p, recipients=rs) for p, rs in by_persona.items())
    count = sum(len(rs) for rs in by_persona.values())
    model_admin.message_user(
        request,
        f"Queued for {count} recipient(s) in {tasks} render task(s). A worker renders and sends "
        "them; this list shows their progress (reload it). A recipient who already got today's "
        "report from the same notes is not sent it twice.",
    )
    return HttpResponseRedirect(reverse("admin:reports_reportdelivery_changelist"))


@admin.register(ReportSchedule)
class ReportScheduleAdmin(SuperuserOnly):
    list_display = ["name", "persona", "recipient", "when", "enabled"]
    list_filter = ["persona", "cadence", "enabled"]
    list_select_related = ["recipient"]
    actions = ["send_now"]

    @admin.display(description="when")
    def when(self, obj: ReportSchedule) -> str:
        return obj.when

    @admin.action(description="Send now")
    def send_now(
        self, request: HttpRequest, queryset: QuerySet[ReportSchedule]
    ) -> HttpResponse | None:
        """What beat sends for each chosen schedule — its persona's report, to its recipients
        — now rather than at its time; what beat would skip is skipped and said."""
        by_persona: dict[str, dict[int, Recipient]] = {}
        for schedule in queryset.select_related("recipient__user"):
            sending, skipped = schedule_recipients(schedule=schedule)
            for message in skipped:
                self.message_user(request, message, messages.WARNING)
            for recipient in sending:
                by_persona.setdefault(schedule.persona, {})[recipient.pk] = recipient
        if not by_persona:
            self.message_user(request, "Nothing was queued.", messages.WARNING)
            return None
        return _send_now(self, request, {p: list(rs.values()) for p, rs in by_persona.items()})


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(DeliveryStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(delivery__status=self.value()) if self.value() else queryset


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(SuperuserOnly):
    """Report emails: the ledger's rows for reports, by persona, recipient and date."""

    list_display = ["id", "persona", "to", "status", "run_link", "as_sent", "created_at"]
    list_filter = [StatusFilter, "run__persona", "recipient", ("created_at",
                   admin.DateFieldListFilter)]  # fmt: skip
    search_fields = ["delivery__to", "recipient__email"]
    list_select_related = ["run", "delivery", "recipient"]
    date_hierarchy = "created_at"
    # The ledger's counts per status above the list: the progress of a "Send now".
    change_list_template = "admin/delivery/delivery/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReportDelivery]:
        bodies = ["run__html", "run__text", "delivery__body_html", "delivery__body_text"]
        return super().get_queryset(request).defer(*bodies)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="persona", ordering="run__persona")
    def persona(self, obj: ReportDelivery) -> str:
        return obj.run.get_persona_display()

    @admin.display(description="to", ordering="delivery__to")
    def to(self, obj: ReportDelivery) -> str:
        return obj.delivery.to

    @admin.display(description="status", ordering="delivery__status")
    def status(self, obj: ReportDelivery) -> str:
        return obj.delivery.get_status_display()

    @admin.display(description="run")
    def run_link(self, obj: ReportDelivery) -> str:
        url = reverse("admin:reports_reportrun_change", args=[obj.run_id])
        return format_html('<a href="{}">#{} {} {}</a>', url, obj.run_id, obj.run.scope,
                           obj.run.as_of)  # fmt: skip

    @admin.display(description="email")
    def as_sent(self, obj: ReportDelivery) -> str:
        url = reverse("admin:delivery_delivery_change", args=[obj.delivery_id])
        return format_html('<a href="{}">as sent</a>', url)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            chosen = Delivery.objects.filter(report__in=changelist.queryset.values("pk"))
            response.context_data["delivery_summary"] = summary_rows(chosen)
        return response
