from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from governance.models import Agency, Membership, Notification, Profile, Region

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Your own key for this request: sent again with the same request (a retry), it gets "
    "the first answer (with Idempotent-Replayed: true) and nothing is written twice; with another "
    "request, 422.",
)


def request_key_field() -> serializers.CharField:
    """The hidden key a page sends with a write, drawn when the form is shown: the same form sent
    twice (a double tap, a resent page) does the thing once. Through the API the Idempotency-Key
    header does the same; ``governance.idempotency.key_of`` reads either."""
    return serializers.CharField(
        label=_("Request key"),
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        style={"input_type": "hidden"},
        help_text="Sent again with a retry: nothing is done twice (the Idempotency-Key header does the same).",
    )


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None, allow_null=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "level_label",
            "parent_code",
            "urban_rural",
            "population",
            "households",
        ]


class RegionDetailSerializer(RegionSerializer):
    class Meta(RegionSerializer.Meta):
        fields = [*RegionSerializer.Meta.fields, "boundary"]


class RegionCreateSerializer(serializers.Serializer):
    code = serializers.RegexField(
        r"^\d{6}(\d{6})?$", label=_("Code"), error_messages={"invalid": _("Use a 6- or 12-digit code.")}
    )
    name = serializers.CharField(max_length=100, label=_("Name"))
    level = serializers.ChoiceField(choices=Region.Level.choices, label=_("Level"))
    parent_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, label=_("Parent region code")
    )
    urban_rural = serializers.ChoiceField(
        choices=Region.UrbanRural.choices, required=False, allow_blank=True, label=_("Urban or rural")
    )
    population = serializers.IntegerField(
        min_value=0, max_value=50_000_000, required=False, default=0, label=_("Resident population")
    )
    households = serializers.IntegerField(
        min_value=0, max_value=20_000_000, required=False, default=0, label=_("Households")
    )
    boundary = serializers.JSONField(
        required=False, allow_null=True, default=None, label=_("Boundary (GeoJSON)")
    )

    def validate_parent_code(self, value: str) -> Region | None:
        if not value:
            return None
        region = Region.objects.filter(code=value).first()
        if region is None:
            raise serializers.ValidationError(_("No region has this code."))
        return region


class AgencySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)
    served_region_codes = serializers.SerializerMethodField()

    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "kind_label", "region_code", "served_region_codes", "phone", "active"]

    def get_served_region_codes(self, agency: Agency) -> list[str]:
        return [r.code for r in agency.served_regions.all()]


class MembershipSerializer(serializers.ModelSerializer):
    agency = AgencySerializer(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    scope_code = serializers.CharField(source="scope.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "role_label", "agency", "scope_code", "active"]


class MembershipCreateSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), label=_("User")
    )
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), label=_("Agency"))
    role = serializers.ChoiceField(choices=Membership.Role.choices, label=_("Role"))
    scope_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, label=_("Narrower scope (region code)")
    )

    def validate_scope_code(self, value: str) -> Region | None:
        if not value:
            return None
        region = Region.objects.filter(code=value).first()
        if region is None:
            raise serializers.ValidationError(_("No region has this code."))
        return region


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    memberships = MembershipSerializer(many=True)
    jurisdiction = RegionSerializer(many=True, help_text="The top regions of the user's jurisdiction.")
    unread_notifications = serializers.IntegerField()


class PersonSerializer(serializers.Serializer):
    """A person as others see them: personal data masked (unmasking is a separate, logged act)."""

    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="masked_name")
    phone = serializers.CharField(source="masked_phone")
    roles = serializers.SerializerMethodField()

    def get_roles(self, profile: Profile) -> list[dict[str, str]]:
        # The reverse relation of auth.User is invisible to the type stubs in some runs.
        memberships = getattr(profile.user, "memberships").all()  # noqa: B009
        return [{"role": m.role, "agency": m.agency.name} for m in memberships if m.active]


class UnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=[("phone", _("mobile phone")), ("id_number", _("ID number"))], label=_("What to show")
    )
    reason = serializers.CharField(min_length=4, max_length=500, label=_("Reason"))


class UnmaskedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=500,
        allow_empty=False,
        label=_("Notifications"),
        help_text=_("Leave out to mark every unread notification."),
    )
