"""Every write of the disputes app, declared once (governance/actions.py): its input serializer (the
one declaration of its fields, shared by the API and the case page), its service, who may, the
API operation and the page that performs it, and the row of ``Dispute.TRANSITIONS`` it follows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from disputes import services
from disputes.api import serializers as s
from disputes.models import Dispute
from governance.actions import Action, declare

CASE = "disputes:case-action"
MANAGE = "those who manage disputes in the case's area (station, township, county)"
MEDIATE = "the case's mediators and those who manage disputes in its area"


def _case(
    name: str,
    label: object,
    input: type | None,
    service: object,
    right: str,
    api: str,
    transition: str | None = None,
) -> Action:
    return Action(
        name=f"disputes.dispute.{name}",
        label=label,
        input=input,
        service=service,  # type: ignore[arg-type]
        right=right,
        api=api,
        page=CASE,
        transition=(Dispute, transition) if transition else None,
    )


declare(
    Action(
        name="disputes.dispute.register",
        label=_("Register a dispute"),
        input=s.DisputeRegisterSerializer,
        service=services.dispute_register,
        right="anyone who may register cases in the village (desk staff)",
        api="dispute-list",
        page="disputes:register",
    ),
    Action(
        name="disputes.dispute.register_grid",
        label=_("Report a dispute from the grid"),
        input=s.DisputeRegisterSerializer,
        service=services.dispute_register,
        right="the grid worker of the village, from a phone",
        api="dispute-list",
        page="disputes:grid-register",
    ),
    _case(
        "triage", _("Triage"), s.TriageSerializer, services.dispute_triage, MANAGE, "dispute-triage", "triage"
    ),
    _case(
        "consent",
        _("Consent"),
        s.ConsentSerializer,
        services.party_consent,
        MEDIATE,
        "dispute-party-consent",
        "consent",
    ),
    _case(
        "accept", _("Accept for mediation"), None, services.dispute_accept, MANAGE, "dispute-accept", "accept"
    ),
    _case(
        "assign",
        _("Assign a mediator"),
        s.AssignSerializer,
        services.mediator_assign,
        MANAGE,
        "dispute-mediators",
        "assign",
    ),
    _case(
        "recuse",
        _("Recusal at a party's request"),
        s.RecuseSerializer,
        services.mediator_recuse,
        MEDIATE,
        "dispute-mediator-recuse",
    ),
    _case(
        "session",
        _("Record a session or consultation"),
        s.SessionInputSerializer,
        services.session_record,
        MEDIATE,
        "dispute-sessions",
        "session",
    ),
    _case(
        "agreement",
        _("Draft the agreement"),
        s.AgreementDraftSerializer,
        services.agreement_draft,
        MEDIATE,
        "dispute-agreement",
        "agreement",
    ),
    _case(
        "sign",
        _("Record the signatures"),
        s.SignSerializer,
        services.agreement_sign,
        MEDIATE,
        "dispute-agreement-sign",
        "sign",
    ),
    _case(
        "jc_apply",
        _("Judicial confirmation: application"),
        s.JudicialApplySerializer,
        services.judicial_confirmation_apply,
        MEDIATE,
        "dispute-judicial-confirmation",
    ),
    _case(
        "jc_answer",
        _("Judicial confirmation: the court's answer"),
        s.JudicialAnswerSerializer,
        services.judicial_confirmation_answer,
        MEDIATE,
        "dispute-judicial-confirmation-answer",
    ),
    _case(
        "perform",
        _("Term performed"),
        None,
        services.obligation_perform,
        MEDIATE,
        "dispute-obligation-perform",
        "perform",
    ),
    _case(
        "breach",
        _("Record a breach"),
        s.BreachSerializer,
        services.obligation_breach,
        MEDIATE,
        "dispute-obligation-breach",
        "breach",
    ),
    _case(
        "extend",
        _("Extend the mediation"),
        s.ExtendSerializer,
        services.mediation_extend,
        MEDIATE,
        "dispute-extend",
        "extend",
    ),
    _case(
        "escalate",
        _("Escalate"),
        s.EscalateSerializer,
        services.dispute_escalate,
        MANAGE,
        "dispute-escalate",
        "escalate",
    ),
    _case(
        "terminate",
        _("Terminate the mediation"),
        s.TerminateSerializer,
        services.dispute_terminate,
        MEDIATE,
        "dispute-terminate",
        "terminate",
    ),
    _case(
        "reopen",
        _("Reopen"),
        s.ReasonSerializer,
        services.dispute_reopen,
        MEDIATE,
        "dispute-reopen",
        "reopen",
    ),
    _case(
        "follow_up",
        _("Follow-up visit"),
        s.FollowUpInputSerializer,
        services.follow_up_record,
        MEDIATE,
        "dispute-follow-ups",
        "follow_up",
    ),
    _case(
        "party_add", _("Add a party"), s.PartyInputSerializer, services.party_add, MEDIATE, "dispute-parties"
    ),
    _case(
        "import",
        _("Import the parties of a group dispute"),
        s.ImportSerializer,
        services.group_parties_import,
        MEDIATE,
        "dispute-parties-import",
    ),
    _case(
        "progress",
        _("Progress of a party"),
        s.ProgressSerializer,
        services.party_progress,
        MEDIATE,
        "dispute-party-progress",
    ),
    _case(
        "task_add",
        _("Give an agency a task"),
        s.TaskInputSerializer,
        services.case_task_create,
        MEDIATE,
        "dispute-tasks",
    ),
    _case(
        "task_done",
        _("Task done"),
        s.TaskDoneSerializer,
        services.case_task_done,
        "the agency given the task, or the case's mediators",
        "dispute-task-done",
    ),
    _case(
        "agency_add",
        _("Bring in an agency"),
        s.AgencyAddSerializer,
        services.dispute_add_agency,
        MEDIATE,
        "dispute-agencies",
    ),
    Action(
        name="disputes.party.unmask",
        label=_("See a party's data unmasked (logged)"),
        input=s.PartyUnmaskSerializer,
        service=services.party_unmask,
        right="those allowed to see parties' personal data in the case's area; each access logged",
        api="dispute-party-unmask",
        page="disputes:party-unmask",
    ),
    Action(
        name="disputes.screening.create",
        label=_("New screening campaign"),
        input=s.CampaignInputSerializer,
        service=services.campaign_create,
        right="those who manage disputes in the area swept",
        api="screening-campaign-list",
        page="disputes:campaigns",
    ),
    Action(
        name="disputes.screening.assign",
        label=_("Give a village to a grid worker"),
        input=s.CampaignAssignSerializer,
        service=services.campaign_assign,
        right="those who manage disputes in the campaign's area",
        api="screening-campaign-assignments",
        page="disputes:campaign",
    ),
    Action(
        name="disputes.screening.visit",
        label=_("Record a household visit"),
        input=s.VisitInputSerializer,
        service=services.visit_record,
        right="the grid worker given the village",
        api="screening-assignment-visits",
        page="disputes:visit",
    ),
)
