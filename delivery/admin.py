"""The ledger in the admin: read-only, filterable, each message viewable exactly as sent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from delivery.models import STATUS_EXPLANATIONS, Delivery, SesEvent, Suppression
from delivery.selectors import delivery_summary


class ReadOnlyAdmin(admin.ModelAdmin):
    # The ledger is written by delivery only; the admin looks.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "key", "kind", "to", "status", "attempts", "queued_at", "sent_at")
    list_filter = ("status", "kind", ("queued_at", admin.DateFieldListFilter))
    search_fields = ("to", "key")
    date_hierarchy = "queued_at"
    list_per_page = 100
    show_full_result_count = False  # a large ledger: no second COUNT(*)
    fields = (
        "key", "kind", "to", "status", "status_explained", "attempts", "last_error",
        "ses_message_id", "queued_at", "next_attempt_at", "claimed_at", "sent_at", "delivered_at",
        "message",
    )
    readonly_fields = fields

    @admin.display(description="what the status means")
    def status_explained(self, obj: Delivery) -> str:
        return obj.status_explained

    @admin.display(description="the message as sent")
    def message(self, obj: Delivery) -> SafeString:
        return SafeString(render_to_string("delivery/_message.html", {"delivery": obj}))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["delivery_summary"] = summary_rows(changelist.queryset)
        return response


def summary_rows(deliveries: QuerySet[Delivery]) -> list[tuple[str, int, str]]:
    """Counts per status of what a list's filters select (one query), each with what it means:
    above the deliveries list, and the report emails list (its change_list template)."""
    summary = delivery_summary(queryset=deliveries)
    return [(status, count, STATUS_EXPLANATIONS[status]) for status, count in summary.items()]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    # An address can be released (deleted) once its owner fixed their mailbox.
    list_display = ("address", "reason", "detail", "created_at")
    list_filter = ("reason",)
    search_fields = ("address",)
    readonly_fields = ("address", "reason", "source_event", "delivery", "detail", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SesEvent)
class SesEventAdmin(ReadOnlyAdmin):
    list_display = ("sns_message_id", "event_type", "ses_message_id", "received_at")
    list_filter = ("event_type",)
    search_fields = ("sns_message_id", "ses_message_id")
