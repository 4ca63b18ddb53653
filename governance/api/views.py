"""The governance API: regions, agencies, memberships, the current user and the inbox.

Thin: a serializer validates, a service writes, a selector reads (already filtered by
jurisdiction)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.serializers import (
    AgencySerializer,
    MarkReadSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    MeSerializer,
    NotificationSerializer,
    PersonSerializer,
    RegionCreateSerializer,
    RegionDetailSerializer,
    RegionSerializer,
    UnmaskedSerializer,
    UnmaskSerializer,
)
from governance.errors import PermissionDenied
from governance.models import Agency, Membership, Notification, Profile, Region
from governance.selectors import (
    agencies_visible_to,
    inbox_for,
    jurisdiction_for,
    people_visible_to,
    regions_visible_to,
    unread_count,
    user_may,
)
from governance.services.notifications import notification_mark_read
from governance.services.people import membership_create, personal_data_unmask
from governance.services.regions import region_create


class RegionFilter(filters.FilterSet):
    under = filters.CharFilter(method="filter_under", label="Code of a region whose descendants to list")
    parent = filters.CharFilter(field_name="parent__code")
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Region
        fields = ["level", "parent", "under", "name", "urban_rural"]

    def filter_under(self, queryset: QuerySet[Region], name: str, value: str) -> QuerySet[Region]:
        region = Region.objects.filter(code=value).only("path").first()
        if region is None:
            return queryset.none()
        return queryset.filter(path__startswith=region.path).exclude(code=value)


class RegionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Regions of the caller's jurisdiction. ``?under=<code>&level=5`` lists every village below a
    region in one query."""

    lookup_field = "code"
    filterset_class = RegionFilter

    def get_queryset(self) -> QuerySet[Region]:
        return regions_visible_to(self.request.user).select_related("parent").order_by("code")

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return RegionCreateSerializer
        if self.action == "retrieve":
            return RegionDetailSerializer
        return RegionSerializer

    @extend_schema(request=RegionCreateSerializer, responses={201: RegionDetailSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RegionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parent = data.pop("parent_code", None)
        if not user_may(request.user, "region.manage", parent):
            raise PermissionDenied(_("You may not add regions here."))
        region = region_create(actor=request.user, parent=parent, **data)
        return Response(RegionDetailSerializer(region).data, status=status.HTTP_201_CREATED)


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgencySerializer
    filterset_fields = ["kind", "active"]

    def get_queryset(self) -> QuerySet[Agency]:
        return (
            agencies_visible_to(self.request.user).select_related("region").prefetch_related("served_regions")
        )


class MembershipViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Memberships of the agencies the caller may manage (county administrators)."""

    serializer_class = MembershipSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        j = jurisdiction_for(self.request.user)
        condition = j.region_filter("membership.manage", prefix="agency__region__")
        if condition is None:
            return Membership.objects.none()
        return (
            Membership.objects.filter(condition)
            .select_related("agency__region", "scope", "user")
            .prefetch_related("agency__served_regions")
        )

    @extend_schema(request=MembershipCreateSerializer, responses={201: MembershipSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not user_may(request.user, "membership.manage", data["agency"].region):
            raise PermissionDenied(_("You may not manage this agency's members."))
        membership = membership_create(
            actor=request.user,
            user=data["user"],
            agency=data["agency"],
            role=data["role"],
            scope=data.get("scope_code"),
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    """The caller, their memberships and the top regions of their jurisdiction."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        j = jurisdiction_for(user)
        condition = j.region_filter("region.view")
        if j.is_superuser:
            tops = Region.objects.filter(parent__isnull=True)
        elif condition is None:
            tops = Region.objects.none()
        else:
            tops = Region.objects.filter(path__in=j.paths("region.view"))
        profile = getattr(user, "profile", None)
        data = {
            "username": user.get_username(),
            "display_name": profile.real_name if profile else user.get_username(),
            "roles": j.roles,
            "memberships": list(j.memberships),
            "jurisdiction": list(tops.select_related("parent")),
            "unread_notifications": unread_count(user),
        }
        return Response(MeSerializer(data).data)


class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    """People of the caller's area, masked. ``unmask`` reveals one field for a stated reason and
    writes it to the audit trail."""

    serializer_class = PersonSerializer
    lookup_field = "user__username"
    lookup_url_kwarg = "username"

    def get_queryset(self) -> QuerySet[Profile]:
        return (
            people_visible_to(self.request.user)
            .select_related("user")
            .prefetch_related("user__memberships__agency")
            .order_by("user__username")
        )

    @extend_schema(request=UnmaskSerializer, responses=UnmaskedSerializer)
    @action(detail=True, methods=["post"])
    def unmask(self, request: Request, username: str) -> Response:
        profile = self.get_object()
        serializer = UnmaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        field = serializer.validated_data["field"]
        value = personal_data_unmask(
            actor=request.user, profile=profile, field=field, reason=serializer.validated_data["reason"]
        )
        return Response({"field": field, "value": value})


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        unread = self.request.query_params.get("unread") in ("1", "true")
        return inbox_for(self.request.user, unread_only=unread)

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only unread notifications")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=MarkReadSerializer,
        responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}},
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        """Mark notifications read: the given ids, or all unread ones."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notification_mark_read(
            user=request.user, notification_ids=serializer.validated_data.get("ids")
        )
        return Response({"marked": marked})
