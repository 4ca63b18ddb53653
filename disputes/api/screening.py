"""Screening campaigns (排查) over the API: campaigns and their villages for those who run them,
and visits recorded from the grid worker's phone (idempotent: the phone retries on a bad line)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from disputes.api import serializers as s
from disputes.api.views import IDEMPOTENCY_KEY
from disputes.models import ScreeningAssignment, ScreeningCampaign, ScreeningVisit
from disputes.selectors import assignments_visible_to, campaigns_visible_to
from disputes.services import campaign_assign, campaign_create, visit_record
from governance.actors import Actor
from governance.idempotency import key_of


def _assignments() -> QuerySet[ScreeningAssignment]:
    return ScreeningAssignment.objects.select_related("village", "worker").annotate(
        visit_count=Count("visits")
    )


def _nested(user: Actor) -> Prefetch:
    """A campaign's villages as the caller may see them: a county-wide campaign is visible to a
    township, but other townships' villages, workers and progress are not his business."""
    return Prefetch("assignments", queryset=assignments_visible_to(user).order_by("village__code", "id"))


class ScreeningCampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Screening campaigns: seasonal (四季排查) or ad hoc sweeps of an area's villages."""

    queryset = ScreeningCampaign.objects.none()  # for the schema; the real one depends on the caller
    serializer_class = s.ScreeningCampaignSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ScreeningCampaign]:
        return (
            campaigns_visible_to(self.request.user)
            .select_related("region", "created_by")
            .prefetch_related(_nested(self.request.user))
            .order_by("-starts_on", "id")
        )

    def _render(self, campaign: ScreeningCampaign, code: int = status.HTTP_200_OK) -> Response:
        campaign = (
            ScreeningCampaign.objects.select_related("region", "created_by")
            .prefetch_related(_nested(self.request.user))
            .get(pk=campaign.pk)
        )
        return Response(s.ScreeningCampaignSerializer(campaign).data, status=code)

    @extend_schema(request=s.CampaignInputSerializer, responses={201: s.ScreeningCampaignSerializer})
    def create(self, request: Request) -> Response:
        """Start a campaign over an area where one manages disputes."""
        serializer = s.CampaignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_create(actor=request.user, **serializer.validated_data)
        return self._render(campaign, status.HTTP_201_CREATED)

    @extend_schema(request=s.CampaignAssignSerializer, responses={201: s.ScreeningAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def assignments(self, request: Request, pk: str) -> Response:
        """Give a village of the campaign's area to a grid worker, with the households to visit.
        Giving it again changes nothing."""
        campaign = self.get_object()
        serializer = s.CampaignAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = campaign_assign(actor=request.user, campaign=campaign, **serializer.validated_data)
        assignment = _assignments().get(pk=assignment.pk)
        return Response(s.ScreeningAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class ScreeningAssignmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Villages to visit: the grid worker's own, and those of the area one manages."""

    queryset = ScreeningAssignment.objects.none()  # for the schema; the real one depends on the caller
    serializer_class = s.ScreeningAssignmentSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ScreeningAssignment]:
        return assignments_visible_to(self.request.user).order_by("campaign_id", "village__code")

    @extend_schema(
        request=s.VisitInputSerializer,
        responses={201: s.VisitSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def visits(self, request: Request, pk: str, *args: Any) -> Response:
        """Record a household visited (201). A finding opens a dispute on the campaign. A retry
        with the same Idempotency-Key answers the first visit (201 again)."""
        assignment = self.get_object()
        serializer = s.VisitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visit = visit_record(
            actor=request.user,
            assignment=assignment,
            **s.visit_input(data),
            idempotency_key=key_of(request, data["request_key"]),
        )
        visit = ScreeningVisit.objects.select_related("dispute").get(pk=visit.pk)
        # A retry answers as the first request did: 201 and the same visit.
        return Response(s.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)
