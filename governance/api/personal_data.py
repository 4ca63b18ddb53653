"""``GET /api/v1/personal-data-access/``: who saw which personal data in clear, when, why and from
where. For the county administrator (``audit.view``) and platform superusers."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from governance.errors import PermissionDenied
from governance.models import AuditEvent
from governance.selectors import jurisdiction_for, personal_data_access_visible_to


class PersonalDataAccessSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_repr")
    record_type = serializers.SerializerMethodField()
    record_id = serializers.CharField(source="target_id")
    record = serializers.CharField(source="target_repr")
    data_seen = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "record_type",
            "record_id",
            "record",
            "data_seen",
            "reason",
            "ip",
            "request_id",
        ]

    def get_record_type(self, event: AuditEvent) -> str:
        ct = event.target_type
        return f"{ct.app_label}.{ct.model}" if ct else ""

    def get_data_seen(self, event: AuditEvent) -> list[str]:
        """The fields seen: ``phone``, ``id_number``, or ``party:<id>:phone`` on a case."""
        return sorted(event.changes)


class PersonalDataAccessFilter(filters.FilterSet):
    actor = filters.CharFilter(field_name="actor_repr", label="Username of the person who looked")
    record_type = filters.CharFilter(
        method="filter_record_type", label="app_label.model, e.g. disputes.dispute"
    )
    record_id = filters.CharFilter(field_name="target_id")
    since = filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["actor", "record_type", "record_id", "since", "until"]

    def filter_record_type(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        app_label, _, model = value.partition(".")
        return queryset.filter(target_type__app_label=app_label, target_type__model=model)


class PersonalDataAccessView(generics.ListAPIView):
    """Every time someone unmasked personal data, newest first: who, when, which record and field,
    the reason given and the address it came from."""

    serializer_class = PersonalDataAccessSerializer
    filterset_class = PersonalDataAccessFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return personal_data_access_visible_to(self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        j = jurisdiction_for(request.user)
        if not (j.is_superuser or j.paths("audit.view")):
            raise PermissionDenied(_("Only an administrator may review access to personal data."))
        return super().list(request, *args, **kwargs)
