from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from crew.models import ChecklistItem, CrewEvent, Participant, RevokedToken
from crew.tokens import ROLES, token_issue
from entities.admin import SourcesAdminMixin
from entities.models import Entity


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["item_id", "label", "assignee", "due_at", "done", "done_by", "done_at"]


@admin.register(CrewEvent)
class CrewEventAdmin(SourcesAdminMixin, admin.ModelAdmin):
    list_display = ["title", "event_id", "entity", "starts_at", "ends_at", "created_by"]
    list_filter = ["entity"]
    list_select_related = ["entity"]
    search_fields = ["title", "event_id", "entity__slug"]
    date_hierarchy = "starts_at"
    readonly_fields = ["body_hash", "created_at", "updated_at"]
    inlines = [ParticipantInline, ChecklistItemInline]


@admin.register(Participant)
class ParticipantAdmin(SourcesAdminMixin, admin.ModelAdmin):
    entity_field = "event__entity_id"
    list_display = ["name", "role", "email", "user_id", "event"]
    list_filter = ["role"]
    list_select_related = ["event"]
    search_fields = ["name", "email", "user_id", "event__event_id"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(SourcesAdminMixin, admin.ModelAdmin):
    entity_field = "event__entity_id"
    list_display = ["label", "event", "assignee", "due_at", "done", "done_by", "done_at"]
    list_filter = ["done"]
    list_select_related = ["event"]
    search_fields = ["label", "item_id", "assignee", "event__event_id"]


class IssueTokenForm(forms.Form):
    user_id = forms.CharField(max_length=100, help_text="The crew app's id of the user.")
    entity = forms.ModelChoiceField(queryset=Entity.objects.all(), to_field_name="slug")
    role = forms.ChoiceField(choices=[(r, r) for r in ROLES], initial="crew")
    ttl_hours = forms.IntegerField(min_value=1, max_value=24 * 365, initial=24 * 30,
                                   label="Valid for (hours)")  # fmt: skip


@admin.register(RevokedToken)
class RevokedTokenAdmin(admin.ModelAdmin):
    """Revoke a token by adding its jti (the logs name it, never the token); "Issue a crew
    token" mints one for a crew app, shown once."""

    list_display = ["jti", "reason", "revoked_at"]
    search_fields = ["jti", "reason"]
    readonly_fields = ["revoked_at"]
    change_list_template = "admin/crew/revokedtoken/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        issue = path("issue/", self.admin_site.admin_view(self.issue_view),
                     name="crew_issue_token")  # fmt: skip
        return [issue, *super().get_urls()]

    def issue_view(self, request: HttpRequest) -> TemplateResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        token = claims = None
        form = IssueTokenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            token, claims = token_issue(
                user_id=form.cleaned_data["user_id"],
                entity=form.cleaned_data["entity"].slug,
                role=form.cleaned_data["role"],
                ttl=dt.timedelta(hours=form.cleaned_data["ttl_hours"]),
            )
            self.message_user(request, f"Token issued: jti {claims.jti}. Copy it now; it is "
                                       "not stored and will not be shown again.")  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": "Issue a crew API token",
            "form": form,
            "token": token,
            "claims": claims,
            "opts": self.model._meta,
        }
        # admin_view makes the page never_cache (no-store): it may hold a live token.
        return TemplateResponse(request, "admin/crew/issue_token.html", context)
