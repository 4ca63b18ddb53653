"""The volunteers API: teams, volunteers and their life cycle, tasks and claims with check-in and
check-out, the points ledger and the reward shop.

Thin: a serializer validates, a service writes, a selector reads. What the caller may not see
does not exist for him (404); what he sees but may not act on is refused by the service (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.serializers import IDEMPOTENCY_KEY, UnmaskedSerializer
from governance.errors import NotFound
from governance.idempotency import key_of, replay_headers
from volunteers.api import serializers as s
from volunteers.figures import figures_for
from volunteers.models import Claim, Course, PointsEntry, Redemption, RewardItem, Task, Team, Volunteer
from volunteers.selectors import (
    claims_visible_to,
    items_stocked_by,
    redemptions_visible_to,
    shop_for,
    star_progress,
    tasks_open_for,
    tasks_visible_to,
    team_leaderboard,
    teams_managed_by,
    volunteer_of,
    volunteers_visible_to,
)
from volunteers.services import (
    TaskInput,
    claim_cancel,
    claim_check_in,
    claim_check_out,
    claim_no_show,
    claim_verify,
    claim_withdraw,
    points_adjust,
    quiz_submit,
    redemption_cancel,
    redemption_collect,
    redemption_reserve,
    reward_item_create,
    reward_item_price,
    reward_item_restock,
    reward_item_withdraw,
    task_cancel,
    task_claim,
    task_edit,
    task_publish,
    volunteer_activate,
    volunteer_apply,
    volunteer_reject,
    volunteer_retire,
    volunteer_suspend,
    volunteer_unmask,
    volunteer_vet,
)


def _input(request: Request, serializer_class: type) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteer teams (义警队): those one manages or leads, and one's own."""

    serializer_class = s.TeamSerializer
    queryset = Team.objects.none()

    def get_queryset(self) -> QuerySet[Team]:
        own = volunteer_of(self.request.user)
        managed = teams_managed_by(self.request.user).values("pk")
        condition = Team.objects.filter(pk__in=managed)
        if own is not None:
            condition = condition | Team.objects.filter(pk=own.team_id)
        return condition.select_related("agency", "region").order_by("pk")

    # A short, ranked list (team_leaderboard's own bound), answered whole: unpaginated in the
    # schema as in the answer.
    @extend_schema(responses=s.StandingSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def leaderboard(self, request: Request, pk: str) -> Response:
        """Most verified hours over twelve months in the team; names masked."""
        board = team_leaderboard(self.get_object(), now=timezone.now())
        return Response(s.StandingSerializer(board, many=True).data)


class VolunteerViewSet(viewsets.ReadOnlyModelViewSet):
    """Volunteers (义警): oneself, and the members of the teams one manages; always masked."""

    serializer_class = s.VolunteerSerializer
    queryset = Volunteer.objects.none()

    def get_queryset(self) -> QuerySet[Volunteer]:
        return volunteers_visible_to(self.request.user).order_by("pk")

    @extend_schema(request=s.ApplySerializer, responses={201: s.VolunteerSerializer})
    @action(detail=False, methods=["post"])
    def apply(self, request: Request) -> Response:
        """Apply to join a team (real name, ID number, phone, consent to a record check)."""
        data = _input(request, s.ApplySerializer)
        assert not request.user.is_anonymous
        volunteer = volunteer_apply(actor=request.user, **data)
        return Response(s.VolunteerSerializer(volunteer).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.VolunteerMeSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        """One's own record, star, hours in twelve months, points balance and the next threshold."""
        volunteer = volunteer_of(request.user)
        if volunteer is None:
            raise NotFound(_("You are not a volunteer."))
        return Response(
            s.VolunteerMeSerializer((volunteer, star_progress(volunteer, now=timezone.now()))).data
        )

    def _step(self, request: Request, service: Any, with_reason: bool) -> Response:
        volunteer = self.get_object()
        kwargs = {"reason": _input(request, s.VolunteerReasonSerializer)["reason"]} if with_reason else {}
        volunteer = service(actor=request.user, volunteer=volunteer, **kwargs)
        return Response(s.VolunteerSerializer(volunteer).data)

    @extend_schema(request=None, responses=s.VolunteerSerializer)
    @action(detail=True, methods=["post"])
    def vet(self, request: Request, pk: str) -> Response:
        """Identity and record check passed (APPLIED -> VETTED)."""
        return self._step(request, volunteer_vet, False)

    @extend_schema(request=None, responses=s.VolunteerSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        """VETTED -> ACTIVE, or reinstate a suspended volunteer."""
        return self._step(request, volunteer_activate, False)

    @extend_schema(request=s.VolunteerReasonSerializer, responses=s.VolunteerSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._step(request, volunteer_reject, True)

    @extend_schema(request=s.VolunteerReasonSerializer, responses=s.VolunteerSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        return self._step(request, volunteer_suspend, True)

    @extend_schema(request=s.VolunteerReasonSerializer, responses=s.VolunteerSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str) -> Response:
        return self._step(request, volunteer_retire, True)

    @extend_schema(request=s.VolunteerUnmaskSerializer, responses=UnmaskedSerializer)
    @action(detail=True, methods=["post"])
    def unmask(self, request: Request, pk: str) -> Response:
        """One field of the volunteer's personal data in clear, for a stated reason; who, when and
        why is written to the audit trail. Police with the unmask right only."""
        data = _input(request, s.VolunteerUnmaskSerializer)
        value = volunteer_unmask(actor=request.user, volunteer=self.get_object(), **data)
        response = Response(UnmaskedSerializer({"field": data["field"], "value": value}).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=s.AdjustSerializer, responses={201: s.PointsEntrySerializer})
    @action(detail=True, methods=["post"], url_path="points/adjust")
    def points_adjust(self, request: Request, pk: str) -> Response:
        """Correct a volunteer's points with a reason; never below a zero balance."""
        entry = points_adjust(
            actor=request.user, volunteer=self.get_object(), **_input(request, s.AdjustSerializer)
        )
        return Response(s.PointsEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Volunteer tasks: patrols, school gates (护学岗), publicity, flood patrols..."""

    serializer_class = s.TaskSerializer
    queryset = Task.objects.none()

    def get_queryset(self) -> QuerySet[Task]:
        return tasks_visible_to(self.request.user).order_by("starts_at", "pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("open", bool, description="Only what the calling volunteer may claim now.")
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The tasks one may see; with ``open=true``, only those the calling volunteer may take
        (his team, his level, his courses, a free slot, not overlapping his claims)."""
        if request.query_params.get("open") in ("1", "true"):
            volunteer = volunteer_of(request.user)
            qs = tasks_open_for(volunteer, now=timezone.now()) if volunteer else Task.objects.none()
            page = self.paginate_queryset(qs.select_related("team"))
            return self.get_paginated_response(s.TaskSerializer(page, many=True).data)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=s.VolunteerTaskInputSerializer,
        responses={201: s.TaskSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        """Publish a task for a team (at least two people: volunteers work in pairs)."""
        data = _input(request, s.VolunteerTaskInputSerializer)
        key = key_of(request, data.pop("request_key", ""))
        team = data.pop("team")
        data["kind"] = data.pop("task_type")
        task, created = task_publish(
            actor=request.user, team=team, data=TaskInput(**data), idempotency_key=key
        )
        # A retry answers as the first request did: 201 and the same task.
        return Response(
            s.TaskSerializer(task).data, status=status.HTTP_201_CREATED, headers=replay_headers(created)
        )

    @extend_schema(request=s.TaskEditSerializer, responses=s.TaskSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change a task; a new time or place is announced to the claimants, who may withdraw."""
        task = task_edit(
            actor=request.user, task=self.get_object(), changes=_input(request, s.TaskEditSerializer)
        )
        return Response(s.TaskSerializer(task).data)

    @extend_schema(request=s.TaskCancelSerializer, responses=s.TaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Call the task off before it starts, with a reason: the claimants are told, and their
        claims end without penalty."""
        reason = _input(request, s.TaskCancelSerializer)["reason"]
        task = task_cancel(actor=request.user, task=self.get_object(), reason=reason)
        return Response(s.TaskSerializer(task).data)

    @extend_schema(request=None, responses={201: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Take a slot (one tap). Refused with the reason: full, overlapping, level, course..."""
        claim = task_claim(actor=request.user, task=self.get_object())
        return Response(s.ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Claims: one's own, and those of the teams one manages (for verification)."""

    serializer_class = s.ClaimSerializer
    queryset = Claim.objects.none()

    def get_queryset(self) -> QuerySet[Claim]:
        return claims_visible_to(self.request.user).order_by("-claimed_at", "-pk")

    def _done(self, claim: Claim) -> Response:
        return Response(
            s.ClaimSerializer(Claim.objects.select_related("task", "volunteer").get(pk=claim.pk)).data
        )

    @extend_schema(request=None, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Give the slot back before the cut-off."""
        return self._done(claim_cancel(actor=request.user, claim=self.get_object()))

    @extend_schema(request=None, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Withdraw without penalty after the task's time or place changed."""
        return self._done(claim_withdraw(actor=request.user, claim=self.get_object()))

    @extend_schema(request=s.PositionSerializer, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str) -> Response:
        """Check in on site with the phone's position; ``client_at`` keeps the time of a check-in
        queued offline. Too far away: refused with the distance."""
        data = _input(request, s.PositionSerializer)
        return self._done(claim_check_in(actor=request.user, claim=self.get_object(), **data))

    @extend_schema(request=s.PositionSerializer, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request: Request, pk: str) -> Response:
        data = _input(request, s.PositionSerializer)
        return self._done(claim_check_out(actor=request.user, claim=self.get_object(), **data))

    @extend_schema(request=None, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        """The leader confirms attendance; the points are credited once."""
        return self._done(claim_verify(actor=request.user, claim=self.get_object()))

    @extend_schema(request=None, responses=s.ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request: Request, pk: str) -> Response:
        """The volunteer did not come; the fifth in twelve months suspends."""
        return self._done(claim_no_show(actor=request.user, claim=self.get_object()))


class PointsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """One's own points ledger, newest first."""

    serializer_class = s.PointsEntrySerializer
    queryset = PointsEntry.objects.none()

    def get_queryset(self) -> QuerySet[PointsEntry]:
        return PointsEntry.objects.filter(volunteer__user_id=self.request.user.pk or 0).order_by("-at", "-id")


class RewardItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The reward shop (积分超市) open to the calling volunteer."""

    serializer_class = s.RewardItemSerializer
    queryset = RewardItem.objects.none()

    def get_queryset(self) -> QuerySet[RewardItem]:
        volunteer = volunteer_of(self.request.user)
        if volunteer is None:
            return RewardItem.objects.none()
        return shop_for(volunteer).select_related("agency").order_by("price", "pk")

    @extend_schema(request=None, responses={201: s.RedemptionSerializer}, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    def redeem(self, request: Request, pk: str) -> Response:
        """Reserve one unit and its price in points, in one transaction."""
        redemption = redemption_reserve(
            actor=request.user, item=self.get_object(), idempotency_key=key_of(request)
        )
        return Response(s.RedemptionSerializer(redemption).data, status=status.HTTP_201_CREATED)


class ShopItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The reward shop (积分超市) as its keepers see it: the items of the agencies whose shop one
    runs (its staff, the managers over its seat, the leaders of a team it hosts), on sale or not."""

    serializer_class = s.RewardItemSerializer
    queryset = RewardItem.objects.none()

    def get_queryset(self) -> QuerySet[RewardItem]:
        return items_stocked_by(self.request.user).order_by("agency_id", "price", "pk")

    @extend_schema(
        request=s.RewardItemCreateSerializer,
        responses={201: s.RewardItemSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        """Put an item on sale at its price in points, with its first stock."""
        data = _input(request, s.RewardItemCreateSerializer)
        key = key_of(request, data.pop("request_key", ""))
        item = reward_item_create(actor=request.user, idempotency_key=key, **data)
        return Response(s.RewardItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.RewardItemRestockSerializer, responses=s.RewardItemSerializer, parameters=[IDEMPOTENCY_KEY]
    )
    @action(detail=True, methods=["post"])
    def restock(self, request: Request, pk: str) -> Response:
        """Add units to the shelf; a retry with the same key adds nothing more."""
        item = self.get_object()
        data = _input(request, s.RewardItemRestockSerializer)
        item = reward_item_restock(
            actor=request.user,
            item=item,
            add=data["add"],
            idempotency_key=key_of(request, data["request_key"]),
        )
        return Response(s.RewardItemSerializer(item).data)

    @extend_schema(request=s.RewardItemPriceSerializer, responses=s.RewardItemSerializer)
    @action(detail=True, methods=["post"])
    def price(self, request: Request, pk: str) -> Response:
        """A new price in points; reservations already made keep theirs."""
        item = self.get_object()
        price = _input(request, s.RewardItemPriceSerializer)["price"]
        return Response(
            s.RewardItemSerializer(reward_item_price(actor=request.user, item=item, price=price)).data
        )

    @extend_schema(request=s.RewardItemWithdrawSerializer, responses=s.RewardItemSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Take the item off sale, with a reason."""
        item = self.get_object()
        reason = _input(request, s.RewardItemWithdrawSerializer)["reason"]
        item = reward_item_withdraw(actor=request.user, item=item, reason=reason)
        return Response(s.RewardItemSerializer(item).data)


class RedemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Redemptions: one's own, and those to hand over at one's agency."""

    serializer_class = s.RedemptionSerializer
    queryset = Redemption.objects.none()

    def get_queryset(self) -> QuerySet[Redemption]:
        return redemptions_visible_to(self.request.user).order_by("-reserved_at", "-pk")

    @extend_schema(request=None, responses=s.RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def collect(self, request: Request, pk: str) -> Response:
        """The agency hands the item over."""
        redemption = redemption_collect(actor=request.user, redemption=self.get_object())
        return Response(s.RedemptionSerializer(redemption).data)

    @extend_schema(request=s.VolunteerReasonSerializer, responses=s.RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a reservation: stock back on the shelf, points refunded."""
        reason = _input(request, s.VolunteerReasonSerializer)["reason"]
        redemption = redemption_cancel(actor=request.user, redemption=self.get_object(), reason=reason)
        return Response(s.RedemptionSerializer(redemption).data)


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Training: courses with their lessons and a short quiz; passing earns a certificate."""

    serializer_class = s.CourseSerializer
    queryset = Course.objects.none()

    def get_queryset(self) -> QuerySet[Course]:
        return (
            Course.objects.filter(active=True)
            .prefetch_related("lessons", "questions")
            .order_by("title", "pk")
        )

    @extend_schema(request=s.QuizAnswersSerializer, responses=s.QuizResultSerializer)
    @action(detail=True, methods=["post"])
    def quiz(self, request: Request, pk: str) -> Response:
        """Answer the quiz (the index of the chosen answer, question by question)."""
        answers = _input(request, s.QuizAnswersSerializer)["answers"]
        certificate = quiz_submit(actor=request.user, course=self.get_object(), answers=answers)
        result = {
            "passed": certificate is not None,
            "score": certificate.score if certificate else None,
            "certificate": certificate.pk if certificate else None,
        }
        return Response(s.QuizResultSerializer(result).data)


class FiguresView(APIView):
    """Figures of the teams one manages over a period: active volunteers and those who served,
    hours by task type, fill rate, no-show rate, points earned, redeemed, adjusted and expired."""

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="First day (YYYY-MM-DD); 90 days ago by default."),
            OpenApiParameter("until", str, description="Last day, included (YYYY-MM-DD); today by default."),
            OpenApiParameter("team", int, description="One of one's teams; all of them by default."),
        ],
        responses=s.FiguresSerializer,
    )
    def get(self, request: Request) -> Response:
        if not teams_managed_by(request.user).exists():
            raise NotFound(_("You manage no volunteer team."))
        _teams, result = figures_for(request.user, request.query_params)
        return Response(s.FiguresSerializer(result).data)
