from django.contrib import admin
from django.http import HttpRequest

from entities.models import (
    Entity,
    Item,
    Membership,
    Metric,
    Receivable,
    Snapshot,
    SourceFile,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "entity", "persona", "created_at"]
    list_filter = ["persona", "entity"]
    search_fields = ["user__username", "user__email", "entity__name", "entity__slug"]
    autocomplete_fields = ["user", "entity"]


class ReadOnlyAdminMixin:
    """History is never overwritten: snapshots and their rows are shown, not edited."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MetricInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Metric
    fields = ["section", "name", "raw", "value", "unit", "target", "period", "line"]
    readonly_fields = fields
    extra = 0


class ItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Item
    fields = ["kind", "severity", "resolved", "text", "line"]
    readonly_fields = fields
    extra = 0


class ReceivableInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Receivable
    fields = ["client", "invoice", "amount", "unit", "due", "status", "line"]
    readonly_fields = fields
    extra = 0


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["entity", "period_label", "currency", "warning_count", "ingested_at"]
    list_filter = ["entity", "currency", "period"]
    list_select_related = ["entity"]
    search_fields = ["entity__slug", "entity__name", "display_path", "content_hash"]
    date_hierarchy = "ingested_at"
    # Never the absolute source_path: a note is shown relative to the folder it was read from.
    readonly_fields = [
        "entity", "display_path", "content_hash", "period", "period_label", "currency",
        "ingested_at", "warning_count", "problems", "raw_text",
    ]
    exclude = ["parsed", "source_path"]
    inlines = [MetricInline, ItemInline, ReceivableInline]


class SnapshotRowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_select_related = ["snapshot__entity"]

    @admin.display(description="entity", ordering="snapshot__entity__slug")
    def entity(self, obj: Metric | Item | Receivable) -> str:
        return obj.snapshot.entity.slug


@admin.register(Metric)
class MetricAdmin(SnapshotRowAdmin):
    list_display = ["name", "entity", "section", "raw", "value", "unit", "target", "line"]
    list_filter = ["section", "unit", "snapshot__entity"]
    search_fields = ["name", "raw", "notes", "snapshot__entity__slug"]


@admin.register(Item)
class ItemAdmin(SnapshotRowAdmin):
    list_display = ["text", "entity", "kind", "severity", "resolved", "line"]
    list_filter = ["kind", "severity", "resolved", "snapshot__entity"]
    search_fields = ["text", "snapshot__entity__slug"]


@admin.register(Receivable)
class ReceivableAdmin(SnapshotRowAdmin):
    list_display = ["client", "invoice", "entity", "amount", "unit", "due", "status", "line"]
    list_filter = ["status", "unit", "snapshot__entity"]
    search_fields = ["client", "invoice", "snapshot__entity__slug"]


@admin.register(SourceFile)
class SourceFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # Never the absolute path (the row's key): files are shown relative to their folder.
    list_display = ["display_path", "entity", "status", "read_at"]
    list_filter = ["status", "entity"]
    search_fields = ["display_path", "entity__slug"]
    fields = readonly_fields = [
        "display_path", "entity", "content_hash", "size", "mtime_ns", "status", "problems",
        "read_at",
    ]  # fmt: skip
