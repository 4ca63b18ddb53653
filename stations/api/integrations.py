"""Keys of integrating systems (110 / 12345 platforms): issue, list and revoke, for the county
administrator. The key is in the answer to the issue only; afterwards a fingerprint stands for it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.models import Agency
from stations.models import IntegrationClient
from stations.services.integrations import (
    agencies_for_integrations,
    integration_client_issue,
    integration_client_revoke,
    integration_clients_for,
    key_fingerprint,
    may_manage_integrations,
)


class IntegrationClientIssueSerializer(serializers.Serializer):
    """The input of issuing a key: the system's name and the agency whose regions it serves."""

    name = serializers.CharField(
        label=gettext_lazy("Name of the integrating system"),
        max_length=100,
        help_text=gettext_lazy("For example: 柯城区12345热线平台."),
    )
    agency = serializers.PrimaryKeyRelatedField(
        label=gettext_lazy("Agency"),
        queryset=Agency.objects.none(),
        help_text=gettext_lazy("The system reports and reads the alerts of the regions this agency serves."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        agency = self.fields["agency"]
        assert isinstance(agency, serializers.PrimaryKeyRelatedField)
        # Only the agencies the caller manages: any other one reads as unknown.
        agency.queryset = agencies_for_integrations(request.user if request is not None else None)


class IntegrationClientSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    fingerprint = serializers.SerializerMethodField()

    class Meta:
        model = IntegrationClient
        fields = [
            "id",
            "name",
            "agency",
            "agency_name",
            "fingerprint",
            "active",
            "created_at",
            "last_used_at",
        ]
        read_only_fields = fields

    def get_fingerprint(self, client: IntegrationClient) -> str:
        return key_fingerprint(client)


class IssuedIntegrationClientSerializer(IntegrationClientSerializer):
    key = serializers.CharField(read_only=True, help_text="The key, in this answer only.")

    class Meta(IntegrationClientSerializer.Meta):
        fields = [*IntegrationClientSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ManagesIntegrations(permissions.BasePermission):
    message = gettext_lazy("Only the county administrator manages integrating systems.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return may_manage_integrations(request.user)


class IntegrationClientViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Integrating systems (Open311 clients) of the county's agencies."""

    serializer_class = IntegrationClientSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesIntegrations]

    def get_queryset(self) -> QuerySet[IntegrationClient]:
        return integration_clients_for(self.request.user)

    @extend_schema(
        request=IntegrationClientIssueSerializer, responses={201: IssuedIntegrationClientSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Issue a key. The answer carries it once; it cannot be read again."""
        serializer = IntegrationClientIssueSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        client, key = integration_client_issue(actor=request.user, **serializer.validated_data)
        client.key = key  # type: ignore[attr-defined]
        return Response(IssuedIntegrationClientSerializer(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=IntegrationClientSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Revoke the key at once; revoking it again changes nothing."""
        client = integration_client_revoke(actor=request.user, client=self.get_object())
        return Response(IntegrationClientSerializer(client).data)
