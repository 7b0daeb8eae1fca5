from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
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
from entities.services import entity_sources_touch


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


class SourcesAdminMixin:
    """For the admin of rows a report reads (snapshots and their rows, note files, crew
    events): a save or delete here, inlines included, moves the entity's `sources_version`
    (entities.services.entity_sources_touch), so its stored reports are rendered again."""

    #: The path from a row of this admin's model to its entity's id.
    entity_field = "entity_id"
    model: type[Model]

    def _entity_ids(self, rows: QuerySet[Any]) -> list[int]:
        return [pk for pk in rows.values_list(self.entity_field, flat=True) if pk is not None]

    def _of(self, obj: Model) -> list[int]:
        return self._entity_ids(self.model._default_manager.filter(pk=obj.pk))

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        before = set(self._of(obj)) if change else set()
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        # A row moved to another entity leaves the old one; save_related touches the new one.
        entity_sources_touch(entity_ids=before - set(self._of(obj)))

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
                     ) -> None:  # fmt: skip
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        # After the inlines, once per save: the row's own change or its inlines'.
        entity_sources_touch(entity_ids=self._of(form.instance))

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        ids = self._of(obj)
        super().delete_model(request, obj)  # type: ignore[misc]
        entity_sources_touch(entity_ids=ids)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids = self._entity_ids(queryset)
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        entity_sources_touch(entity_ids=ids)


class MetricInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Metric
    fields = ["section", "name", "raw", "value", "unit", "target", "better", "period", "line"]
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
class SnapshotAdmin(SourcesAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
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


class SnapshotRowAdmin(SourcesAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    entity_field = "snapshot__entity_id"
    list_select_related = ["snapshot__entity"]

    @admin.display(description="entity", ordering="snapshot__entity__slug")
    def entity(self, obj: Metric | Item | Receivable) -> str:
        return obj.snapshot.entity.slug


@admin.register(Metric)
class MetricAdmin(SnapshotRowAdmin):
    list_display = [
        "name", "entity", "section", "raw", "value", "unit", "target", "better", "line",
    ]  # fmt: skip
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
class SourceFileAdmin(SourcesAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Never the absolute path (the row's key): files are shown relative to their folder.
    list_display = ["display_path", "entity", "status", "read_at"]
    list_filter = ["status", "entity"]
    search_fields = ["display_path", "entity__slug"]
    fields = readonly_fields = [
        "display_path", "entity", "content_hash", "size", "mtime_ns", "status", "problems",
        "read_at",
    ]  # fmt: skip
