"""API tokens: list the ones the caller may see (his own; as an administrator, those of his
jurisdiction) and revoke a person's. Tokens are revoked by their owner's id (all of that person's
tokens at once): the token itself never appears, only its fingerprint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.services.tokens import api_token_revoke, token_fingerprint, token_owners_for, tokens_for


class ApiTokenSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    fingerprint = serializers.SerializerMethodField()

    class Meta:
        model = AuthToken
        fields = ["owner", "username", "fingerprint", "created", "expiry"]
        read_only_fields = fields

    def get_fingerprint(self, token: AuthToken) -> str:
        return token_fingerprint(token)


class ApiTokenRevokedSerializer(serializers.Serializer):
    owner = serializers.IntegerField(read_only=True)
    revoked = serializers.BooleanField(read_only=True, help_text="False when there was no token left.")


class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """API tokens, revoked by their owner's id."""

    serializer_class = ApiTokenSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[AuthToken]:
        return tokens_for(self.request.user)

    @extend_schema(request=None, responses=ApiTokenRevokedSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Revoke the tokens of this owner (all of them); revoking again changes nothing."""
        # By owner, not by token: a second revocation finds no token and changes nothing (200).
        owner = get_object_or_404(token_owners_for(request.user), pk=kwargs["pk"])
        revoked = api_token_revoke(actor=request.user, owner=owner)
        return Response({"owner": owner.pk, "revoked": revoked})
