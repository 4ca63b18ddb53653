from django.contrib import admin
from django.http import HttpRequest

from governance.admin import AuditedAdmin
from stations.models import Alert, ClockBreach, DispatchOrder, SlaProfile, Station


@admin.register(Station)
class StationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "police_agency", "region", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    autocomplete_fields = ["police_agency", "region", "covered_regions", "stationed_agencies"]


@admin.register(SlaProfile)
class SlaProfileAdmin(AuditedAdmin):
    list_display = ["priority", "county", "accept_seconds", "contact_seconds", "on_scene_seconds"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["received_at", "channel", "category", "priority", "summary", "village"]
    list_filter = ["channel", "category", "priority"]
    search_fields = ["summary", "address"]
    exclude = ["caller_phone_encrypted", "caller_phone_hash"]
    readonly_fields = [
        f.name for f in Alert._meta.fields if f.name not in ("caller_phone_encrypted", "caller_phone_hash")
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DispatchOrder)
class DispatchOrderAdmin(admin.ModelAdmin):
    list_display = ["dispatched_at", "station", "status", "priority", "accepted_by"]
    list_filter = ["status", "priority", "station"]
    readonly_fields = [f.name for f in DispatchOrder._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ClockBreach)
class ClockBreachAdmin(admin.ModelAdmin):
    list_display = ["detected_at", "order", "clock", "due_at"]
    list_filter = ["clock"]
    readonly_fields = ["order", "clock", "due_at", "detected_at"]
