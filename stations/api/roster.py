"""The duty roster API: list a station's shifts, add one, remove one. The page
(``stations.views_roster``) renders the same input serializer; ``stations.services.roster`` writes
and decides who may; ``stations_of`` decides which stations a caller sees (any other is a 404)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from governance.errors import NotFound, ValidationFailed
from stations.models import DutyShift, Station
from stations.selectors import stations_of
from stations.services.roster import display_name, duty_shift_add, duty_shift_remove


class DutyShiftInputSerializer(serializers.Serializer):
    """A shift to put on a station's roster (the page fills ``station`` from its address)."""

    station = serializers.IntegerField(label=_("Station"), help_text="Station id.")
    person = serializers.PrimaryKeyRelatedField(
        label=_("Person"),
        queryset=User.objects.filter(is_active=True),
        help_text="User id of a station staff member.",
    )
    role = serializers.ChoiceField(label=_("Duty role"), choices=DutyShift.Role.choices)
    starts_at = serializers.DateTimeField(label=_("Starts"))
    ends_at = serializers.DateTimeField(label=_("Ends"), help_text=_("At most 24 hours."))


class DutyShiftSerializer(serializers.ModelSerializer):
    person_name = serializers.SerializerMethodField()
    role_label = serializers.CharField(source="get_role_display")

    class Meta:
        model = DutyShift
        fields = ["id", "station", "person", "person_name", "role", "role_label", "starts_at", "ends_at"]

    def get_person_name(self, shift: DutyShift) -> str:
        return display_name(shift.person)


def station_of(user: Any, station_id: Any) -> Station:
    """The caller's station ``station_id``, or a 404 (a station of another area is not named)."""
    if not str(station_id).isdigit() or int(station_id) > 2**31:
        raise NotFound(_("No such station."))
    station = stations_of(user).filter(pk=station_id).select_related("region").first()
    if station is None:
        raise NotFound(_("No such station."))
    return station


def shift_add(actor: Any, data: dict[str, Any], station: Station | None = None) -> DutyShift:
    """Add the validated shift ``data`` (its station the page's, else the caller's own by id)."""
    values = dict(data)
    station_id = values.pop("station", None)
    return duty_shift_add(actor=actor, station=station or station_of(actor, station_id), **values)


@extend_schema(tags=["stations"])
class DutyShiftViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A station's 24-hour duty roster (who is on duty when), as on its roster page."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DutyShiftSerializer

    def get_queryset(self) -> QuerySet[DutyShift]:
        return (
            DutyShift.objects.filter(station__in=stations_of(self.request.user).values("pk"))
            .select_related("person__profile")
            .order_by("starts_at", "pk")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("station", int, description="Station id; every station of yours if left out."),
            OpenApiParameter(
                "week", str, description="Any day (YYYY-MM-DD) of the week; this week if left out."
            ),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The shifts that touch the week (Monday to Sunday, Asia/Shanghai), of one station or of
        every station one works on."""
        shifts = self.get_queryset()
        if "station" in request.query_params:
            shifts = shifts.filter(station=station_of(request.user, request.query_params["station"]))
        raw = request.query_params.get("week", "")
        day = parse_date(raw) if raw else timezone.localdate()
        if day is None:
            raise ValidationFailed(
                str(_("The week is not valid.")), fields={"week": [str(_("Give a date as YYYY-MM-DD."))]}
            )
        monday = day - timedelta(days=day.weekday())
        start = timezone.make_aware(datetime.combine(monday, time.min))
        shifts = shifts.filter(starts_at__lt=start + timedelta(days=7), ends_at__gt=start)
        page = self.paginate_queryset(shifts)
        return self.get_paginated_response(DutyShiftSerializer(page, many=True).data)

    @extend_schema(request=DutyShiftInputSerializer, responses={201: DutyShiftSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Put a person on the roster. The same shift sent again is answered with it, unchanged; a
        shift overlapping another of the same person here is refused (400, on ``starts_at``)."""
        serializer = DutyShiftInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shift = shift_add(request.user, serializer.validated_data)
        return Response(DutyShiftSerializer(shift).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take a shift that has not ended off the roster (an ended one is the record: 409)."""
        duty_shift_remove(actor=request.user, shift=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
