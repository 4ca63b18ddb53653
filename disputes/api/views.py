"""The disputes API: the ledger, one case with everything on it, and every act of its life.

Thin: a serializer validates, a service writes, a selector reads. A case the caller may not see
does not exist for him (404, so that ids of other areas do not leak); a case he sees but may not
act on answers 403 (the service decides)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from disputes.api import serializers as s
from disputes.models import (
    Agreement,
    Assignment,
    CaseTask,
    Dispute,
    DisputeEvent,
    FollowUp,
    Mediator,
    Obligation,
    Party,
    Session,
)
from disputes.selectors import disputes_visible_to, ledger, mediators_with_load, user_may_manage
from disputes.services import (
    agreement_draft,
    agreement_sign,
    case_task_create,
    case_task_done,
    dispute_accept,
    dispute_add_agency,
    dispute_escalate,
    dispute_register,
    dispute_reopen,
    dispute_terminate,
    dispute_triage,
    follow_up_record,
    group_parties_import,
    judicial_confirmation_answer,
    judicial_confirmation_apply,
    ledger_search,
    mediation_extend,
    mediator_assign,
    mediator_recuse,
    mediators_propose,
    obligation_breach,
    obligation_perform,
    party_add,
    party_consent,
    party_progress,
    party_unmask,
    session_record,
)
from governance.actors import Actor
from governance.api.serializers import IDEMPOTENCY_KEY, UnmaskedSerializer
from governance.errors import NotFound, PermissionDenied
from governance.idempotency import key_of, replay_headers
from governance.models import Region
from governance.models.regions import path_ancestors
from governance.selectors import jurisdiction_for


def case_detail(dispute_pk: int) -> Dispute:
    """A case with everything the detail shows, in a fixed number of queries."""
    return (
        Dispute.objects.select_related(
            "village__parent", "owner_agency", "sector_agency", "registered_by", "agreement__drafted_by"
        )
        .prefetch_related(
            "agencies",
            Prefetch("parties", queryset=Party.objects.select_related("village").order_by("id")),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("mediator__user__profile", "assigned_by"),
            ),
            Prefetch("sessions", queryset=Session.objects.select_related("room", "recorded_by")),
            "sessions__agencies",
            Prefetch("agreement__obligations", queryset=Obligation.objects.select_related("obligor")),
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("visited_by")),
            Prefetch("tasks", queryset=CaseTask.objects.select_related("agency", "created_by")),
            Prefetch("events", queryset=DisputeEvent.objects.select_related("actor").order_by("at", "id")),
        )
        .get(pk=dispute_pk)
    )


def _id_param(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=f"Id of the {what}.")


PARTY_ID = _id_param("party_id", "party")
MEDIATOR_ID = _id_param("mediator_id", "mediator")
OBLIGATION_ID = _id_param("obligation_id", "term of the agreement")
TASK_ID = _id_param("task_id", "task")


class DisputeViewSet(viewsets.GenericViewSet):
    """Disputes (矛盾纠纷): the ledger and each case's file."""

    queryset = Dispute.objects.none()  # for the schema; the real one depends on the caller
    serializer_class = s.DisputeDetailSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Dispute]:
        return disputes_visible_to(self.request.user).select_related("village")

    # --- helpers ------------------------------------------------------------------------------

    def _input(self, serializer_class: type, dispute: Dispute | None = None) -> dict[str, Any]:
        serializer = serializer_class(
            data=self.request.data, context={"request": self.request, "dispute": dispute}
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _case(
        self, dispute: Dispute, code: int = status.HTTP_200_OK, headers: dict[str, str] | None = None
    ) -> Response:
        # Read back unfiltered: the act may have ended the caller's access (a mediator recused),
        # and he is shown the outcome of what he did once.
        data = s.DisputeDetailSerializer(case_detail(dispute.pk), context={"request": self.request}).data
        return Response(data, status=code, headers=headers)

    def _party(self, dispute: Dispute, party_id: str) -> Party:
        party = dispute.parties.filter(pk=party_id).first()
        if party is None:
            raise NotFound(_("No such party on this case."))
        return party

    def _agreement(self, dispute: Dispute) -> Agreement:
        agreement = Agreement.objects.filter(dispute=dispute).first()
        if agreement is None:
            raise NotFound(_("No agreement has been drafted on this case."))
        return agreement

    @property
    def actor(self) -> Actor:
        return self.request.user

    # --- the ledger and the file --------------------------------------------------------------

    @extend_schema(parameters=[s.LedgerQuerySerializer], responses=s.DisputeListSerializer(many=True))
    def list(self, request: Request) -> Response:
        """The ledger (台账): the cases the caller may see, newest first, searched and filtered."""
        query = s.LedgerQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        # A full phone or ID number in ``q`` is an exact search by personal data (an unmasking).
        search = ledger_search(actor=request.user, query=query.to_query())
        page = self.paginate_queryset(ledger(request.user, search.query))
        return self.get_paginated_response(s.DisputeListSerializer(page, many=True).data)

    @extend_schema(
        request=s.DisputeRegisterSerializer,
        responses={201: s.DisputeDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        """Register a dispute from any discovery channel (201); a retry with the same
        Idempotency-Key answers the first case (201 again) and writes nothing."""
        data = self._input(s.DisputeRegisterSerializer)
        dispute, created = dispute_register(
            actor=self.actor, **s.register_input(data), idempotency_key=key_of(request, data["request_key"])
        )
        return self._case(dispute, status.HTTP_201_CREATED, headers=replay_headers(created))

    def retrieve(self, request: Request, pk: str) -> Response:
        """One case, one file (一案一档): parties (masked), mediators, sessions, the agreement with
        its terms, follow-ups, tasks and the timeline."""
        return self._case(self.get_object())

    # --- triage, parties, acceptance ----------------------------------------------------------

    @extend_schema(request=s.TriageSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, pk: str) -> Response:
        """Accept for mediation (with complexity and urgency), not accept (already in court,
        arbitration or an administrative process) or refer to police."""
        dispute = self.get_object()
        dispute_triage(actor=self.actor, dispute=dispute, **self._input(s.TriageSerializer))
        return self._case(dispute)

    @extend_schema(request=s.PartyInputSerializer, responses={201: s.PartySerializer})
    @action(detail=True, methods=["post"])
    def parties(self, request: Request, pk: str) -> Response:
        """Add a party (the other side of a case opened from alerts, a third party)."""
        dispute = self.get_object()
        party = party_add(
            actor=self.actor, dispute=dispute, party=s.party_input(self._input(s.PartyInputSerializer))
        )
        return Response(s.PartySerializer(party).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": s.ImportSerializer},
        responses={201: s.ImportResultSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="parties/import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def parties_import(self, request: Request, pk: str) -> Response:
        """Import the parties of a group dispute from a CSV or XLSX file. Every row is checked
        first; any wrong row is reported by line and nothing is added."""
        dispute = self.get_object()
        upload = self._input(s.ImportSerializer)["file"]
        added = group_parties_import(
            actor=self.actor, dispute=dispute, file_name=upload.name or "", content=upload.read()
        )
        result = {"added": added, "parties": dispute.parties.count()}
        return Response(s.ImportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ConsentSerializer, responses=s.PartySerializer, parameters=[PARTY_ID])
    @action(detail=True, methods=["post"], url_path=r"parties/(?P<party_id>\d+)/consent")
    def party_consent(self, request: Request, pk: str, party_id: str) -> Response:
        """The party consents to mediation, having been told their rights (art. 17, 23)."""
        dispute = self.get_object()
        party = party_consent(
            actor=self.actor,
            party=self._party(dispute, party_id),
            rights_informed=self._input(s.ConsentSerializer)["rights_informed"],
        )
        return Response(s.PartySerializer(party).data)

    @extend_schema(request=s.ProgressSerializer, responses=s.PartySerializer, parameters=[PARTY_ID])
    @action(detail=True, methods=["post"], url_path=r"parties/(?P<party_id>\d+)/progress")
    def party_progress(self, request: Request, pk: str, party_id: str) -> Response:
        """Where one party of a group dispute stands."""
        dispute = self.get_object()
        data = self._input(s.ProgressSerializer)
        party = party_progress(
            actor=self.actor,
            party=self._party(dispute, party_id),
            progress=data["progress"],
            note=data["note"],
        )
        return Response(s.PartySerializer(party).data)

    @extend_schema(request=s.PartyUnmaskSerializer, responses=UnmaskedSerializer, parameters=[PARTY_ID])
    @action(detail=True, methods=["post"], url_path=r"parties/(?P<party_id>\d+)/unmask")
    def party_unmask(self, request: Request, pk: str, party_id: str) -> Response:
        """One field of a party in clear, for a stated reason; who, when, why and from where is
        written to the audit trail."""
        dispute = self.get_object()
        data = self._input(s.PartyUnmaskSerializer)
        value = party_unmask(
            actor=self.actor, party=self._party(dispute, party_id), field=data["field"], reason=data["reason"]
        )
        return Response(UnmaskedSerializer({"field": data["field"], "value": value}).data)

    @extend_schema(request=None, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept the triaged case once both sides consented; the 30 days start."""
        return self._case(dispute_accept(actor=self.actor, dispute=self.get_object()))

    # --- mediators ----------------------------------------------------------------------------

    @extend_schema(request=None, responses=s.ProposalSerializer(many=True))
    # A short ranked list, answered whole: not paginated (and the schema says so).
    @action(detail=True, methods=["get"], url_path="mediators/proposals", pagination_class=None)
    def mediator_proposals(self, request: Request, pk: str) -> Response:
        """Mediators for the case, best first; those blocked (conflict of interest, full) are
        listed with the reasons."""
        dispute = self.get_object()
        if not user_may_manage(self.actor, dispute):
            raise PermissionDenied(_("You may not assign mediators on this case."))
        proposals = [
            {
                "mediator": p.mediator,
                "load": p.load,
                "specialist": p.specialist,
                "conflicts": list(p.conflicts),
                "available": p.available,
            }
            for p in mediators_propose(dispute)
        ]
        return Response(s.ProposalSerializer(proposals, many=True).data)

    @extend_schema(
        request=s.AssignSerializer,
        responses={201: s.AssignmentSerializer, 200: s.AssignmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def mediators(self, request: Request, pk: str) -> Response:
        """Put a mediator on the case, proposed or chosen by a party (``chosen_by``). A conflict of
        interest or a full load is refused (409) with the reasons; assigning again answers 200."""
        dispute = self.get_object()
        data = self._input(s.AssignSerializer, dispute)
        live = Assignment.objects.filter(dispute=dispute, mediator=data["mediator"], ended_at__isnull=True)
        existed = live.exists()
        assignment = mediator_assign(
            actor=self.actor, dispute=dispute, mediator=data["mediator"], chosen_by=data["chosen_by"]
        )
        return Response(
            s.AssignmentSerializer(assignment).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.RecuseSerializer, responses=s.DisputeDetailSerializer, parameters=[MEDIATOR_ID])
    @action(detail=True, methods=["post"], url_path=r"mediators/(?P<mediator_id>\d+)/recuse")
    def mediator_recuse(self, request: Request, pk: str, mediator_id: str) -> Response:
        """A party asks for the mediator's recusal: he leaves the case and a replacement (the one
        named, else the best available) is assigned."""
        dispute = self.get_object()
        mediator = Mediator.objects.select_related("user__profile").filter(pk=mediator_id).first()
        if mediator is None:
            raise NotFound(_("No such mediator."))
        data = self._input(s.RecuseSerializer, dispute)
        mediator_recuse(
            actor=self.actor,
            dispute=dispute,
            mediator=mediator,
            party=data["party"],
            reason=data["reason"],
            replacement=data["replacement"],
        )
        return self._case(dispute)

    # --- sessions and the agreement -----------------------------------------------------------

    @extend_schema(request=s.SessionInputSerializer, responses={201: s.SessionSerializer})
    @action(detail=True, methods=["post"])
    def sessions(self, request: Request, pk: str) -> Response:
        """Record a mediation session, or a consultation (会诊) of several agencies."""
        dispute = self.get_object()
        session = session_record(actor=self.actor, dispute=dispute, **self._input(s.SessionInputSerializer))
        session = Session.objects.select_related("room", "recorded_by").get(pk=session.pk)
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AgreementDraftSerializer,
        responses={201: s.AgreementSerializer, 200: s.AgreementSerializer},
    )
    @action(detail=True, methods=["post"])
    def agreement(self, request: Request, pk: str) -> Response:
        """Draft the agreement (201), or rewrite it until it is signed (200): facts, each side's
        responsibility, and the terms with obligor, amount, due date and method (art. 29)."""
        dispute = self.get_object()
        data = self._input(s.AgreementDraftSerializer)
        existed = Agreement.objects.filter(dispute=dispute).exists()
        agreement = agreement_draft(
            actor=self.actor,
            dispute=dispute,
            facts=data["facts"],
            responsibilities=data["responsibilities"],
            terms=[s.term_input(t) for t in data["terms"]],
        )
        return Response(
            s.AgreementSerializer(agreement).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.SignSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="agreement/sign")
    def agreement_sign(self, request: Request, pk: str) -> Response:
        """Every applicant and respondent signed: the agreement takes effect."""
        dispute = self.get_object()
        signed_by = self._input(s.SignSerializer)["signed_by"]
        agreement_sign(actor=self.actor, agreement=self._agreement(dispute), signed_by=signed_by)
        return self._case(dispute)

    @extend_schema(request=s.JudicialApplySerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="agreement/judicial-confirmation")
    def judicial_confirmation(self, request: Request, pk: str) -> Response:
        """The parties applied jointly to a court, within 30 days of effect (art. 33)."""
        dispute = self.get_object()
        court = self._input(s.JudicialApplySerializer)["court"]
        judicial_confirmation_apply(actor=self.actor, agreement=self._agreement(dispute), court=court)
        return self._case(dispute)

    @extend_schema(request=s.JudicialAnswerSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"], url_path="agreement/judicial-confirmation/answer")
    def judicial_confirmation_answer(self, request: Request, pk: str) -> Response:
        """The court confirmed or rejected the agreement."""
        dispute = self.get_object()
        data = self._input(s.JudicialAnswerSerializer)
        judicial_confirmation_answer(
            actor=self.actor,
            agreement=self._agreement(dispute),
            confirmed=data["confirmed"],
            note=data["note"],
        )
        return self._case(dispute)

    def _obligation(self, dispute: Dispute, obligation_id: str) -> Obligation:
        obligation = (
            Obligation.objects.select_related("agreement")
            .filter(pk=obligation_id, agreement__dispute=dispute)
            .first()
        )
        if obligation is None:
            raise NotFound(_("No such term on this case's agreement."))
        return obligation

    @extend_schema(request=None, responses=s.DisputeDetailSerializer, parameters=[OBLIGATION_ID])
    @action(detail=True, methods=["post"], url_path=r"obligations/(?P<obligation_id>\d+)/perform")
    def obligation_perform(self, request: Request, pk: str, obligation_id: str) -> Response:
        """A term was performed; when all are, the case waits for its follow-up."""
        dispute = self.get_object()
        obligation_perform(actor=self.actor, obligation=self._obligation(dispute, obligation_id))
        return self._case(dispute)

    @extend_schema(
        request=s.BreachSerializer, responses=s.DisputeDetailSerializer, parameters=[OBLIGATION_ID]
    )
    @action(detail=True, methods=["post"], url_path=r"obligations/(?P<obligation_id>\d+)/breach")
    def obligation_breach(self, request: Request, pk: str, obligation_id: str) -> Response:
        """A term was not performed, and the next route."""
        dispute = self.get_object()
        obligation = self._obligation(dispute, obligation_id)
        obligation_breach(actor=self.actor, obligation=obligation, **self._input(s.BreachSerializer))
        return self._case(dispute)

    # --- escalation, deadline, termination, follow-up -----------------------------------------

    @extend_schema(request=s.EscalateSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str) -> Response:
        """One tier up (提级化解), or to a sector authority; the same case, a new time box."""
        dispute = self.get_object()
        dispute_escalate(actor=self.actor, dispute=dispute, **self._input(s.EscalateSerializer))
        return self._case(dispute)

    @extend_schema(request=s.ExtendSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        """Extend the 30-day mediation period, with both parties' consent."""
        dispute = self.get_object()
        mediation_extend(actor=self.actor, dispute=dispute, **self._input(s.ExtendSerializer))
        return self._case(dispute)

    @extend_schema(request=s.TerminateSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str) -> Response:
        """End mediation without agreement, with the routes left to the parties (art. 26)."""
        dispute = self.get_object()
        dispute_terminate(actor=self.actor, dispute=dispute, **self._input(s.TerminateSerializer))
        return self._case(dispute)

    @extend_schema(request=s.ReasonSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Take a breached agreement back to mediation."""
        dispute = self.get_object()
        dispute_reopen(actor=self.actor, dispute=dispute, reason=self._input(s.ReasonSerializer)["reason"])
        return self._case(dispute)

    @extend_schema(request=s.FollowUpInputSerializer, responses={201: s.FollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request: Request, pk: str) -> Response:
        """A follow-up visit (回访): confirmed, the case closes; recurred, it is reopened."""
        dispute = self.get_object()
        visit = follow_up_record(actor=self.actor, dispute=dispute, **self._input(s.FollowUpInputSerializer))
        return Response(s.FollowUpSerializer(visit).data, status=status.HTTP_201_CREATED)

    # --- joint cases --------------------------------------------------------------------------

    @extend_schema(request=s.TaskInputSerializer, responses={201: s.CaseTaskSerializer})
    @action(detail=True, methods=["post"])
    def tasks(self, request: Request, pk: str) -> Response:
        """Give an agency a task on the case (清单交办); the agency then sees the case."""
        dispute = self.get_object()
        task = case_task_create(actor=self.actor, dispute=dispute, **self._input(s.TaskInputSerializer))
        return Response(s.CaseTaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskDoneSerializer, responses=s.CaseTaskSerializer, parameters=[TASK_ID])
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>\d+)/done")
    def task_done(self, request: Request, pk: str, task_id: str) -> Response:
        """The agency given the task (or the case's mediators) closes it with the result."""
        dispute = self.get_object()
        task = (
            CaseTask.objects.select_related("agency", "created_by")
            .filter(pk=task_id, dispute=dispute)
            .first()
        )
        if task is None:
            raise NotFound(_("No such task on this case."))
        task = case_task_done(actor=self.actor, task=task, result=self._input(s.TaskDoneSerializer)["result"])
        return Response(s.CaseTaskSerializer(task).data)

    @extend_schema(request=s.AgencyAddSerializer, responses=s.DisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def agencies(self, request: Request, pk: str) -> Response:
        """Bring an agency into the joint case (police, court, judicial office, petition office)."""
        dispute = self.get_object()
        dispute_add_agency(
            actor=self.actor, dispute=dispute, agency=self._input(s.AgencyAddSerializer)["agency"]
        )
        return self._case(dispute)


# --- the mediator pool ------------------------------------------------------------------------


class ManagesDisputes(permissions.BasePermission):
    """Those who assign mediators somewhere: station, township and county staff."""

    message = gettext_lazy("Only those who manage disputes may browse the mediator pool.")

    def has_permission(self, request: Request, view: Any) -> bool:
        j = jurisdiction_for(request.user)
        return j.is_superuser or bool(j.paths("disputes.manage"))


class MediatorViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The mediator pool (调解能手库) serving the caller's area, with each one's open cases and
    outcomes."""

    queryset = Mediator.objects.none()  # for the schema; the real one depends on the caller
    serializer_class = s.MediatorSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesDisputes]

    def get_queryset(self) -> QuerySet[Mediator]:
        qs = mediators_with_load().order_by("team", "id")
        j = jurisdiction_for(self.request.user)
        if j.is_superuser:
            return qs
        roots = j.paths("disputes.manage")
        # Mediators of the area and below it, and those of the township or county above it who
        # serve it too.
        area = Q(region__path__in={a for p in roots for a in path_ancestors(p)})
        for p in roots:
            area |= Q(region__path__startswith=p)
        return qs.filter(area)

    @extend_schema(parameters=[s.MediatorFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = s.MediatorFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        qs = self.get_queryset()
        if data["region"]:
            region = Region.objects.filter(code=data["region"]).only("path").first()
            qs = qs.filter(region__path__startswith=region.path) if region else qs.none()
        if data.get("team"):
            qs = qs.filter(team=data["team"])
        if data.get("specialty"):
            # Specialties are category codes in a JSON list; matching the quoted code works on
            # every database (JSON containment does not on SQLite).
            qs = qs.filter(specialties__icontains=f'"{data["specialty"]}"')
        if data["active"] is not None:
            qs = qs.filter(active=data["active"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.MediatorSerializer(page, many=True).data)
