from django.contrib import admin
from django.http import HttpRequest

from disputes.models import Dispute, MediationRoom, Mediator, TierPolicy
from governance.admin import AuditedAdmin


@admin.register(Mediator)
class MediatorAdmin(AuditedAdmin):
    list_display = ["__str__", "team", "agency", "region", "max_load", "active"]
    list_filter = ["team", "active"]
    autocomplete_fields = ["user", "agency", "region"]


@admin.register(MediationRoom)
class MediationRoomAdmin(AuditedAdmin):
    list_display = ["name", "region", "address"]
    autocomplete_fields = ["region"]


@admin.register(TierPolicy)
class TierPolicyAdmin(AuditedAdmin):
    list_display = ["tier", "county", "time_box_days", "mediators"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Read-only: a case changes through its transitions (the case page and the API)."""

    list_display = ["number", "registered_at", "category", "status", "tier", "risk", "village"]
    list_filter = ["status", "category", "tier", "risk", "key_case"]
    search_fields = ["number", "summary"]
    readonly_fields = [f.name for f in Dispute._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
