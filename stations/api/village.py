"""Village-first response through the API: the orders of one's villages as their cadres and grid
workers see them (no caller data), and the village's report that it settled one."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from stations.models import DispatchOrder
from stations.selectors import orders_for_village_reporters
from stations.services.village_first import REPORT_MAX_LENGTH, order_village_report


class VillageReportSerializer(serializers.Serializer):
    """The village settled the matter before the police came: how (the station calls back)."""

    note = serializers.CharField(
        max_length=REPORT_MAX_LENGTH,
        label=_("How the village settled it"),
        help_text=_("Who settled it, how, and a number the station can call back."),
    )


class VillageOrderSerializer(serializers.ModelSerializer):
    """An order as its village sees it: what, where, when, its state; never the caller."""

    status_label = serializers.CharField(source="get_status_display")
    category = serializers.CharField(source="alert.category")
    summary = serializers.CharField(source="alert.summary")
    address = serializers.CharField(source="alert.address")
    village_code = serializers.CharField(source="alert.village.code")
    village_name = serializers.CharField(source="alert.village.name")
    station = serializers.CharField(source="station.name", default=None, allow_null=True)
    may_report = serializers.SerializerMethodField()

    class Meta:
        model = DispatchOrder
        fields = [
            "id", "status", "status_label", "category", "summary", "address", "village_code",
            "village_name", "station", "dispatched_at", "village_reported_at", "village_report",
            "village_settled_at", "may_report",
        ]  # fmt: skip

    def get_may_report(self, order: DispatchOrder) -> bool:
        return order.village_reported_at is None and order.status in DispatchOrder.VILLAGE_MAY_SETTLE


class VillageOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = VillageOrderSerializer
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[DispatchOrder]:
        return orders_for_village_reporters(self.request.user).order_by("-dispatched_at", "-id")

    @extend_schema(request=VillageReportSerializer, responses=VillageOrderSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Report that the village settled the matter. Once per order: a repeat answers the order
        as the first report left it; refused once the police are on scene or the order is over."""
        order = self.get_object()
        serializer = VillageReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_village_report(actor=request.user, order=order, **serializer.validated_data)
        return Response(VillageOrderSerializer(self.get_queryset().get(pk=order.pk)).data)
