from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from governance.api.serializers import request_key_field
from governance.models import Agency
from governance.pii import mask_phone, pii_decrypt
from stations.models import Alert, DispatchOrder, OrderEvent, Station
from stations.services import STEP_LABELS, STEPS, TRANSFER_TARGETS
from stations.services.redispatch import REASON_MAX_LENGTH

TRANSFER_LABELS = {
    "dispute": _("to a dispute case"),
    "criminal_case": _("to a criminal case"),
    "summons": _("to a whistle (summons)"),
}


class AlertIntakeSerializer(serializers.Serializer):
    """An alert from any channel: the one declaration of its shape (limits, labels, messages);
    ``alert_intake`` keeps what needs the database (the village, the caller's phone, the clock)."""

    channel = serializers.ChoiceField(choices=Alert.Channel.choices, label=_("Channel"))
    category = serializers.ChoiceField(choices=Alert.Category.choices, label=_("Category"))
    summary = serializers.CharField(max_length=200, label=_("Summary"))
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="", label=_("Description")
    )
    address = serializers.CharField(max_length=300, label=_("Address"))
    village_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default="", label=_("Village")
    )
    lng = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-180, max_value=180, label=_("Longitude")
    )
    lat = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=-90, max_value=90, label=_("Latitude")
    )
    caller_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", label=_("Caller name")
    )
    caller_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", label=_("Caller phone")
    )
    reported_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, label=_("Reported at")
    )
    priority = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=4, label=_("Priority")
    )
    request_key = request_key_field()


def intake_input(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The service's arguments (``alert_intake``) from a validated alert, and the form's key."""
    values = dict(data)
    return values, values.pop("request_key", "")


class AlertSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    caller_phone = serializers.SerializerMethodField(help_text="Masked.")

    class Meta:
        model = Alert
        fields = [
            "id", "channel", "category", "priority", "summary", "description", "address", "lng", "lat",
            "village_code", "village_name", "caller_name", "caller_phone", "reported_at", "received_at",
        ]  # fmt: skip

    def get_caller_phone(self, alert: Alert) -> str:
        return mask_phone(pii_decrypt(alert.caller_phone_encrypted)) if alert.caller_phone_encrypted else ""


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["at", "from_status", "to_status", "note"]


class OrderSerializer(serializers.ModelSerializer):
    alert = AlertSerializer()
    station = serializers.CharField(source="station.name", default=None, allow_null=True)
    accepted_by = serializers.CharField(source="accepted_by.username", default=None, allow_null=True)
    breaches = serializers.SerializerMethodField()

    class Meta:
        model = DispatchOrder
        fields = [
            "id", "status", "priority", "station", "alert", "dispatched_at", "accepted_at", "accepted_by",
            "contacted_at", "on_scene_at", "handling_at", "resolved_at", "closed_at", "followed_up_at",
            "accept_due", "contact_due", "on_scene_due", "outcome", "transferred_to", "breaches",
            "village_reported_at", "village_report", "village_settled_at",
        ]  # fmt: skip

    def get_breaches(self, order: DispatchOrder) -> list[str]:
        return [b.clock for b in order.breaches.all()]


class OrderDetailSerializer(OrderSerializer):
    events = OrderEventSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "events"]


class RedispatchSerializer(serializers.Serializer):
    """Send an open order to another station (a shift commander covering both), with the reason."""

    station = serializers.PrimaryKeyRelatedField(
        queryset=Station.objects.select_related("region"), label=_("Send to station"), help_text="Station id."
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, label=_("Reason for re-dispatch"))


class StepSerializer(serializers.Serializer):
    """One step of an order's life; which steps are offered is ``DispatchOrder.TRANSITIONS``."""

    step = serializers.ChoiceField(choices=[(s, STEP_LABELS[s]) for s in STEPS], label=_("Step"))
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", label=_("Outcome")
    )
    transfer_to = serializers.ChoiceField(
        choices=[(t, TRANSFER_LABELS[t]) for t in TRANSFER_TARGETS], required=False, allow_blank=True,
        default="", label=_("Transferred to"),
    )  # fmt: skip
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, allow_null=True, default=None,
        label=_("Owning agency"), help_text="For redirect: the agency that owns the matter.",
    )  # fmt: skip

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["step"] == "transfer" and not attrs.get("transfer_to"):
            raise serializers.ValidationError(
                {"transfer_to": [_("Choose dispute, criminal case or summons.")]}
            )
        return attrs
