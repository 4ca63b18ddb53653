"""The whistle and report-in API: whistle, list and read summonses, check in, handle, verify, reopen.

Thin: a serializer validates, a service writes, ``summonses_visible_to`` decides what a caller
sees (anything else is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.actors import Actor
from governance.errors import NotFound, PermissionDenied, ValidationFailed
from governance.idempotency import key_of
from governance.models import Agency, Region
from governance.selectors import jurisdiction_for
from stations.models import DispatchOrder, Summons, SummonsTarget
from stations.selectors import orders_visible_to
from stations.services.summons import (
    MAX_TEXT,
    summons_check_in,
    summons_handle,
    summons_reopen,
    summons_verify,
    summons_whistle,
)
from stations.summons_selectors import summons_answering_agency_ids, summonses_visible_to

# --- Serializers ------------------------------------------------------------------------------


class SummonsTargetSerializer(serializers.ModelSerializer):
    agency = serializers.IntegerField(source="agency_id")
    agency_name = serializers.CharField(source="agency.name")
    checked_in_by = serializers.CharField(source="checked_in_by.username", default=None, allow_null=True)
    handled_by = serializers.CharField(source="handled_by.username", default=None, allow_null=True)

    class Meta:
        model = SummonsTarget
        fields = [
            "id", "agency", "agency_name", "check_in_due", "checked_in_at", "checked_in_by", "check_in_late",
            "handled_at", "handled_by", "note",
        ]  # fmt: skip


class SummonsSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    order = serializers.IntegerField(source="order_id", allow_null=True)
    whistler = serializers.CharField(source="whistler.username")
    whistler_agency = serializers.IntegerField(source="whistler_agency_id")
    whistler_agency_name = serializers.CharField(source="whistler_agency.name")
    verified_by = serializers.CharField(source="verified_by.username", default=None, allow_null=True)
    targets = SummonsTargetSerializer(many=True)

    class Meta:
        model = Summons
        fields = [
            "id", "status", "urgency", "reason", "village_code", "village_name", "order", "whistler",
            "whistler_agency", "whistler_agency_name", "created_at", "verified_at", "verified_by",
            "reopened_count", "reopen_reason", "targets",
        ]  # fmt: skip


class SummonsWhistleSerializer(serializers.Serializer):
    """Blow a whistle: the one declaration of its fields, for the API and the pages."""

    agencies = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=True,
        label=gettext_lazy("Agencies to summon"),
        help_text=gettext_lazy("Each must report in by the deadline of the urgency, then handle."),
    )
    urgency = serializers.ChoiceField(
        choices=Summons.Urgency.choices, label=gettext_lazy("Urgency"), style={"input_type": "radio"}
    )
    reason = serializers.CharField(
        max_length=MAX_TEXT,
        label=gettext_lazy("Reason and what is asked of them"),
        style={"base_template": "textarea.html"},
    )
    village_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default="", label=gettext_lazy("Village")
    )
    order = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Dispatch order"),
        help_text="Id of the dispatch order whistled from.",
    )

    def validate_agencies(self, ids: list[int]) -> list[Agency]:
        # Duplicates are kept: the service refuses them with its own message.
        found = Agency.objects.in_bulk(ids)
        if len(found) != len(set(ids)):
            raise serializers.ValidationError(_("No such agency."))
        return [found[pk] for pk in ids]

    def validate_village_code(self, code: str) -> Region | None:
        if not code:
            return None
        village = Region.objects.filter(code=code, level=Region.Level.VILLAGE).first()
        if village is None:
            raise serializers.ValidationError(_("No village has this code."))
        return village

    def validate_order(self, pk: int | None) -> DispatchOrder | None:
        if pk is None:
            return None
        # Orders the caller cannot see do not exist for him.
        order = orders_visible_to(self.context["request"].user).filter(pk=pk).first()
        if order is None:
            raise serializers.ValidationError(_("No such order."))
        return order


class SummonsAnswerSerializer(serializers.Serializer):
    """Report in (check in) for one's summoned agency."""

    agency = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Answering for"),
        help_text="The summoned agency answered for; may be left out by a member of exactly one.",
    )


class SummonsHandleSerializer(SummonsAnswerSerializer):
    note = serializers.CharField(
        max_length=MAX_TEXT,
        label=gettext_lazy("What was done"),
        help_text="What was done.",
        style={"base_template": "textarea.html"},
    )


class SummonsReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=MAX_TEXT,
        label=gettext_lazy("Why it is reopened"),
        style={"base_template": "textarea.html"},
    )


# --- Views ------------------------------------------------------------------------------------


class TakesPartInSummonses(permissions.BasePermission):
    """Agency staff of any role may whistle or answer; volunteers (no powers) and people outside
    every agency may not."""

    message = gettext_lazy("Only agency staff may take part in summonses; volunteers may not.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        return jurisdiction_for(user).is_superuser or bool(summons_answering_agency_ids(user))


def _target_for(summons: Summons, user: Actor, agency_id: int | None) -> SummonsTarget:
    """The target the caller answers for: the named agency, or his only summoned agency."""
    targets = list(summons.targets.all())
    if agency_id is not None:
        for target in targets:
            if target.agency_id == agency_id:
                return target
        raise ValidationFailed(
            _("This agency is not summoned here."),
            fields={"agency": [_("This agency is not summoned here.")]},
        )
    mine = [t for t in targets if t.agency_id in summons_answering_agency_ids(user)]
    if not mine:
        raise PermissionDenied(_("You belong to none of the summoned agencies."))
    if len(mine) > 1:
        raise ValidationFailed(
            _("You belong to several summoned agencies; say which one you answer for."),
            fields={"agency": [_("Choose the agency you answer for.")]},
        )
    return mine[0]


class SummonsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Whistles (吹哨) the caller may see: his own, those calling his agencies, those on his
    stations' orders, those in his command area."""

    serializer_class = SummonsSerializer
    permission_classes = [permissions.IsAuthenticated, TakesPartInSummonses]
    filterset_fields = ["status", "urgency", "order"]

    def get_queryset(self) -> QuerySet[Summons]:
        return summonses_visible_to(self.request.user)

    def _render(
        self, summons: Summons, code: int = status.HTTP_200_OK, headers: dict[str, str] | None = None
    ) -> Response:
        # Rendered through the caller's own view of the whistles: what he may not see answers 404
        # (JSON), never the stored summons nor a 500.
        visible = self.get_queryset().filter(pk=summons.pk).first()
        if visible is None:
            raise NotFound(_("No such summons."))
        return Response(SummonsSerializer(visible).data, status=code, headers=headers)

    @extend_schema(request=SummonsWhistleSerializer, responses={201: SummonsSerializer})
    def create(self, request: Request) -> Response:
        """Whistle: summon agencies to a village (``village_code``) or to a dispatch order
        (``order``). Emergency: check in within 30 minutes; routine: within 72 hours."""
        serializer = SummonsWhistleSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        summons = summons_whistle(
            actor=request.user,
            agencies=data["agencies"],
            urgency=data["urgency"],
            reason=data["reason"],
            village=data["village_code"],
            order=data["order"],
            idempotency_key=key_of(request),
        )
        # A retry answers as the first request did: 201 and the same summons.
        return self._render(summons, status.HTTP_201_CREATED)

    @extend_schema(request=SummonsAnswerSerializer, responses=SummonsSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Report in for one's agency. Checking in again is a no-op."""
        summons = self.get_object()
        serializer = SummonsAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = _target_for(summons, request.user, serializer.validated_data["agency"])
        summons_check_in(actor=request.user, target=target)
        return self._render(summons)

    @extend_schema(request=SummonsHandleSerializer, responses=SummonsSerializer)
    @action(detail=True, methods=["post"])
    def handle(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record what one's agency did (after checking in)."""
        summons = self.get_object()
        serializer = SummonsHandleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = _target_for(summons, request.user, serializer.validated_data["agency"])
        summons_handle(actor=request.user, target=target, note=serializer.validated_data["note"])
        return self._render(summons)

    @extend_schema(request=None, responses=SummonsSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The whistler (or a commander of the area) confirms the matter is done."""
        summons = summons_verify(actor=request.user, summons=self.get_object())
        return self._render(summons)

    @extend_schema(request=SummonsReopenSerializer, responses=SummonsSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The whistler is not satisfied: every agency must handle it again."""
        summons = self.get_object()
        serializer = SummonsReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        summons_reopen(actor=request.user, summons=summons, reason=serializer.validated_data["reason"])
        return self._render(summons)
