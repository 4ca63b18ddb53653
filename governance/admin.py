"""The Django admin for county administrators.

Domain writes still go through services (validation, audit): region and membership creation call
their services; other edits are wrapped by ``AuditedAdmin`` so every change leaves an audit event.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from governance.errors import DomainError, error_text
from governance.models import (
    Agency,
    AuditEvent,
    DeliveryAttempt,
    Grid,
    Heartbeat,
    Membership,
    Notification,
    OutboundChannel,
    OutboundMessage,
    Profile,
    Region,
)
from governance.services.audit import audit_record
from governance.services.people import membership_create
from governance.services.regions import region_create, region_update


class AuditedAdmin(admin.ModelAdmin):
    """Every save and delete through the admin writes an audit event in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changes = {
                name: [form.initial.get(name), form.cleaned_data.get(name)] for name in form.changed_data
            }
            verb = f"{obj._meta.model_name}.{'update' if change else 'create'}"
            audit_record(actor=request.user, verb=verb, target=obj, changes=changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(actor=request.user, verb=f"{obj._meta.model_name}.delete", target=obj)
            super().delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "level", "urban_rural", "population", "households"]
    list_filter = ["level", "urban_rural"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]

    def get_readonly_fields(self, request: HttpRequest, obj: Region | None = None) -> list[str]:
        # A region's place in the tree is fixed once created (see region_update).
        return ["path", "code", "level", "parent"] if obj else ["path"]

    def save_model(self, request: HttpRequest, obj: Region, form: ModelForm, change: bool) -> None:
        data = form.cleaned_data
        try:
            if change:
                region_update(
                    actor=request.user, region=obj, **{k: data[k] for k in form.changed_data if k in data}
                )
            else:
                created = region_create(actor=request.user, **{k: data[k] for k in data if k != "path"})
                obj.pk = created.pk
        except DomainError as exc:
            self.message_user(request, error_text(exc), level="error")
            raise


@admin.register(Grid)
class GridAdmin(AuditedAdmin):
    list_display = ["code", "name", "village", "kind", "households"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "village__name"]
    autocomplete_fields = ["village", "workers"]


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "region", "phone", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region", "served_regions"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "agency", "role", "scope", "active"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "user__profile__real_name", "agency__name"]
    autocomplete_fields = ["user", "agency", "scope"]

    def save_model(self, request: HttpRequest, obj: Membership, form: ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = membership_create(
            actor=request.user,
            user=data["user"],
            agency=data["agency"],
            role=data["role"],
            scope=data.get("scope"),
        )
        obj.pk = created.pk


@admin.register(Profile)
class ProfileAdmin(AuditedAdmin):
    list_display = ["user", "masked_name", "masked_phone", "masked_id_number"]
    search_fields = ["user__username"]
    # Personal data is never shown in clear here: unmasking needs a reason (personal_data_unmask).
    exclude = ["phone"]
    readonly_fields = ["masked_name", "masked_phone", "masked_id_number"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_repr", "verb", "target_repr", "ip", "request_id"]
    list_filter = ["verb"]
    search_fields = ["actor_repr", "verb", "target_repr", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundChannel)
class OutboundChannelAdmin(AuditedAdmin):
    list_display = ["name", "kind", "endpoint", "enabled"]
    list_filter = ["kind", "enabled"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "at", "outcome", "http_status", "error", "duration_ms"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """Failed messages are listed here for administrators (filter by status)."""

    list_display = ["created_at", "channel", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["subject", "idempotency_key"]
    inlines = [DeliveryAttemptInline]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at", "count"]


admin.site.site_header = _("Rongzhi administration")
admin.site.site_title = _("Rongzhi")
