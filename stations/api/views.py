"""The stations API: intake from any channel (idempotent), orders and their steps."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.idempotency import key_of, replay_headers
from stations.api.serializers import (
    AlertIntakeSerializer,
    OrderDetailSerializer,
    OrderSerializer,
    RedispatchSerializer,
    StepSerializer,
    intake_input,
)
from stations.models import DispatchOrder, OrderEvent
from stations.selectors import orders_visible_to
from stations.services import alert_intake, order_step
from stations.services.redispatch import order_redispatch


class AlertViewSet(viewsets.GenericViewSet):
    serializer_class = AlertIntakeSerializer

    @extend_schema(
        request=AlertIntakeSerializer,
        responses={201: OrderSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Your own key for this report: sent again with the same report, it answers "
                "the first order (201, with Idempotent-Replayed: true) and writes nothing; with "
                "another report, 422.",
            )
        ],
    )
    def create(self, request: Request) -> Response:
        """Report an alert. It is saved and dispatched to the station covering its village; the
        answer is the dispatch order (201), the same one again for a repeated Idempotency-Key."""
        serializer = AlertIntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values, body_key = intake_input(serializer.validated_data)
        result = alert_intake(actor=request.user, idempotency_key=key_of(request, body_key), **values)
        order = DispatchOrder.objects.select_related("alert__village", "station", "accepted_by").get(
            pk=result.order.pk
        )
        return Response(
            OrderSerializer(order).data,
            status=status.HTTP_201_CREATED,
            headers=replay_headers(result.created),
        )


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_fields = ["status", "station", "priority"]

    def get_queryset(self) -> QuerySet[DispatchOrder]:
        qs = orders_visible_to(self.request.user).prefetch_related("breaches")
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("events", queryset=OrderEvent.objects.order_by("at", "id")))
        return qs

    def get_serializer_class(self) -> type:
        return OrderDetailSerializer if self.action in ("retrieve", "step", "redispatch") else OrderSerializer

    @extend_schema(request=RedispatchSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def redispatch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send an open order to another station; its status and clocks stay (the caller's wait
        does not start again). The same station again changes nothing."""
        order = self.get_object()
        serializer = RedispatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_redispatch(order=order, actor=request.user, **serializer.validated_data)
        return Response(OrderDetailSerializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=StepSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take the next step: accept, contact, arrive, handle, resolve, transfer, close, follow_up."""
        order = self.get_object()
        serializer = StepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_step(order=order, actor=request.user, **serializer.validated_data)
        return Response(OrderDetailSerializer(self.get_queryset().get(pk=order.pk)).data)
