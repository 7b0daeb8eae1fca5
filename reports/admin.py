from django.contrib import admin
from django.http import HttpRequest

from reports.models import ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """What was rendered, to look up. Runs are written only by rendering a report, and hold
    any entity's figures, so only superusers (who see every entity anyway) may view them."""

    list_display = ["id", "persona", "scope", "view", "as_of", "created_at"]
    list_filter = ["persona", "view"]
    search_fields = ["scope", "content_hash"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: ReportRun | None = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReportRun | None = None) -> bool:
        return False
