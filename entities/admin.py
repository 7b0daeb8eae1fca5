from django.contrib import admin

from entities.models import Entity, Membership


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
