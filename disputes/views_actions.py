"""The action forms of the case page: for each, its form, the right it needs, when the page
offers it, and the service it calls. A view runs them (``views_case.case_action``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import forms as f
from disputes import services
from disputes.models import (
    Agreement,
    Dispute,
    MediationRoom,
    Obligation,
)
from disputes.views_casefile import CaseFile
from governance.spreadsheets import MAX_UPLOAD_BYTES

S = Dispute.Status


Run = Callable[[HttpRequest, CaseFile, "f.CaseForm"], str]
MEDIATING = (*Dispute.MEDIATING_STATUSES,)


@dataclass(frozen=True)
class Action:
    title: Any
    form: type[f.CaseForm]
    run: Run
    right: str  # "manage", "mediate", "unmask" or "view" (the service decides)
    shown: Callable[[CaseFile], bool]
    inline: bool = False  # drawn beside what it acts on, not in the list of actions


def _triage(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    services.dispute_triage(actor=request.user, dispute=case.dispute, **form.cleaned_data)
    return _("Triage recorded.")


def _consent(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    party = services.party_consent(
        actor=request.user, party=case.party(d["party"]), rights_informed=d["rights_informed"]
    )
    return _("Consent of %(party)s recorded.") % {"party": party.masked_name}


def _party_add(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    party = services.party_add(
        actor=request.user,
        dispute=case.dispute,
        party=services.PartyInput(
            role=d["role"],
            kind=d["kind"],
            name=d["name"],
            phone=d["phone"],
            id_number=d["id_number"],
            household_code=d["household_code"],
            claim_amount=d["claim_amount"],
            note=d["note"],
        ),
    )
    return _("%(party)s added to the case.") % {"party": party.masked_name}


def _accept(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    services.dispute_accept(actor=request.user, dispute=case.dispute)
    return _("Case accepted for mediation; the 30 days run from today.")


def _assign(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    mediator = case.mediator(d["mediator"])
    assert mediator is not None
    chosen_by = case.party(d["chosen_by"]) if d["chosen_by"] else None
    services.mediator_assign(actor=request.user, dispute=case.dispute, mediator=mediator, chosen_by=chosen_by)
    return _("%(mediator)s assigned.") % {"mediator": mediator}


def _recuse(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    mediator = case.mediator(d["mediator"])
    assert mediator is not None
    replacement = services.mediator_recuse(
        actor=request.user,
        dispute=case.dispute,
        mediator=mediator,
        party=case.party(d["party"]),
        reason=d["reason"],
        replacement=case.mediator(d["replacement"]),
    )
    if replacement is None:
        return _("%(mediator)s recused; no mediator is available, the case waits for one.") % {
            "mediator": mediator
        }
    return _("%(mediator)s recused; %(other)s takes the case.") % {
        "mediator": mediator,
        "other": replacement.mediator,
    }


def _session(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    agencies = [a for a in case.agencies if a.pk in set(d["agencies"])]
    services.session_record(
        actor=request.user,
        dispute=case.dispute,
        kind=d["kind"],
        held_at=d["held_at"],
        room=MediationRoom.objects.filter(pk=d["room"]).first() if d["room"] else None,
        place=d["place"],
        attendees=d["attendees"],
        minutes=d["minutes"],
        public=d["public"],
        agencies=agencies,
    )
    return _("Session recorded.")


def _agreement(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    assert isinstance(form, f.AgreementForm)
    terms = [
        services.TermInput(
            obligor_id=row["obligor"],
            description=row["description"],
            due_date=row["due_date"],
            amount=row["amount"],
            method=row["method"],
        )
        for row in form.term_rows()
    ]
    services.agreement_draft(
        actor=request.user,
        dispute=case.dispute,
        facts=form.cleaned_data["facts"],
        responsibilities=form.cleaned_data["responsibilities"],
        terms=terms,
    )
    return _("Agreement saved with %(n)d terms.") % {"n": len(terms)}


def _sign(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    assert case.agreement is not None
    services.agreement_sign(
        actor=request.user, agreement=case.agreement, signed_by=form.cleaned_data["signed_by"]
    )
    return _("Agreement signed: it takes effect today.")


def _jc_apply(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    assert case.agreement is not None
    services.judicial_confirmation_apply(
        actor=request.user, agreement=case.agreement, court=form.cleaned_data["court"]
    )
    return _("Application for judicial confirmation recorded.")


def _jc_answer(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    assert case.agreement is not None
    d = form.cleaned_data
    services.judicial_confirmation_answer(
        actor=request.user, agreement=case.agreement, confirmed=d["confirmed"], note=d["note"]
    )
    return _("The court's answer is recorded.")


def _obligation(case: CaseFile, pk: int) -> Obligation:
    return next(o for o in case.obligations if o.pk == pk)


def _perform(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    services.obligation_perform(
        actor=request.user, obligation=_obligation(case, form.cleaned_data["obligation"])
    )
    return _("Term recorded as performed.")


def _breach(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    services.obligation_breach(
        actor=request.user,
        obligation=_obligation(case, d["obligation"]),
        note=d["note"],
        next_route=d["next_route"],
    )
    return _("Breach recorded.")


def _escalate(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    dispute = services.dispute_escalate(
        actor=request.user,
        dispute=case.dispute,
        reason=d["reason"],
        trigger=d["trigger"],
        sector_agency=case.agency(d["sector_agency"]),
    )
    return _("Case escalated to: %(tier)s.") % {"tier": dispute.get_tier_display()}


def _extend(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    dispute = services.mediation_extend(
        actor=request.user,
        dispute=case.dispute,
        days=d["days"],
        both_parties_consent=d["both_parties_consent"],
    )
    assert dispute.mediation_deadline is not None
    return _("Mediation now due by %(date)s.") % {
        "date": timezone.localtime(dispute.mediation_deadline).strftime("%Y-%m-%d")
    }


def _terminate(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    services.dispute_terminate(actor=request.user, dispute=case.dispute, **form.cleaned_data)
    return _("Mediation terminated.")


def _reopen(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    services.dispute_reopen(actor=request.user, dispute=case.dispute, reason=form.cleaned_data["reason"])
    return _("Case reopened for mediation.")


def _follow_up(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    services.follow_up_record(actor=request.user, dispute=case.dispute, **form.cleaned_data)
    if form.cleaned_data["recurred"]:
        return _("Follow-up recorded; the dispute recurred and the case is reopened.")
    return _("Follow-up recorded; the case is closed.")


def _task_add(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    agency = case.agency(d["agency"])
    assert agency is not None
    services.case_task_create(
        actor=request.user, dispute=case.dispute, agency=agency, title=d["title"], due_at=d["due_at"]
    )
    return _("Task given to %(agency)s.") % {"agency": agency.name}


def _task_done(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    task = next(t for t in case.tasks if t.pk == form.cleaned_data["task"])
    services.case_task_done(actor=request.user, task=task, result=form.cleaned_data["result"])
    return _("Task closed.")


def _import(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    upload = form.cleaned_data["file"]
    # One byte more than allowed is enough for the reader to refuse the file as too large.
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    added = services.group_parties_import(
        actor=request.user, dispute=case.dispute, file_name=upload.name, content=content
    )
    return _("%(n)d parties imported.") % {"n": added}


def _progress(request: HttpRequest, case: CaseFile, form: f.CaseForm) -> str:
    d = form.cleaned_data
    party = services.party_progress(
        actor=request.user, party=case.party(d["party"]), progress=d["progress"], note=d["note"]
    )
    return _("%(party)s: %(progress)s.") % {
        "party": party.masked_name,
        "progress": party.get_progress_display(),
    }


def _is(*statuses: str) -> Callable[[CaseFile], bool]:
    return lambda case: case.dispute.status in statuses


def _open(case: CaseFile) -> bool:
    return case.dispute.is_open


def _unsigned(case: CaseFile) -> bool:
    return case.dispute.status in (S.IN_MEDIATION, S.AGREEMENT) and not (
        case.agreement and case.agreement.signed_at
    )


def _consent_pending(case: CaseFile) -> bool:
    return case.dispute.status in (S.REGISTERED, S.TRIAGED) and any(
        p.consented_at is None for p in case.parties
    )


def _jc_open(case: CaseFile) -> bool:
    a = case.agreement
    return bool(a and a.signed_at and not a.jc_status and a.jc_deadline and timezone.now() <= a.jc_deadline)


ACTIONS: dict[str, Action] = {
    "triage": Action(gettext_lazy("Triage"), f.TriageForm, _triage, "manage", _is(S.REGISTERED)),
    "consent": Action(
        gettext_lazy("Consent"), f.ConsentForm, _consent, "mediate", _consent_pending, inline=True
    ),
    "accept": Action(gettext_lazy("Accept for mediation"), f.AcceptForm, _accept, "manage", _is(S.TRIAGED)),
    "assign": Action(gettext_lazy("Assign a mediator"), f.AssignForm, _assign, "manage", _is(*MEDIATING)),
    "recuse": Action(
        gettext_lazy("Recusal at a party's request"),
        f.RecuseForm,
        _recuse,
        "mediate",
        lambda case: bool(case.live_assignments) and case.dispute.is_open,
    ),
    "session": Action(
        gettext_lazy("Record a session or consultation"),
        f.SessionForm,
        _session,
        "mediate",
        _is(S.TRIAGED, *MEDIATING, S.AGREEMENT, S.BREACH),
    ),
    "agreement": Action(
        gettext_lazy("Draft the agreement"), f.AgreementForm, _agreement, "mediate", _unsigned
    ),
    "sign": Action(
        gettext_lazy("Record the signatures"),
        f.SignForm,
        _sign,
        "mediate",
        lambda case: case.dispute.status == S.AGREEMENT and case.agreement is not None,
    ),
    "jc_apply": Action(
        gettext_lazy("Judicial confirmation: application"), f.JcApplyForm, _jc_apply, "mediate", _jc_open
    ),
    "jc_answer": Action(
        gettext_lazy("Judicial confirmation: the court's answer"),
        f.JcAnswerForm,
        _jc_answer,
        "mediate",
        lambda case: bool(case.agreement and case.agreement.jc_status == Agreement.Confirmation.PENDING),
    ),
    "perform": Action(
        gettext_lazy("Term performed"),
        f.PerformForm,
        _perform,
        "mediate",
        lambda case: case.dispute.status in (S.PERFORMING, S.BREACH) and bool(case.pending_obligations),
        inline=True,
    ),
    "breach": Action(
        gettext_lazy("Record a breach"),
        f.BreachForm,
        _breach,
        "mediate",
        lambda case: case.dispute.status in (S.PERFORMING, S.BREACH) and bool(case.pending_obligations),
    ),
    "extend": Action(
        gettext_lazy("Extend the mediation"),
        f.ExtendForm,
        _extend,
        "mediate",
        lambda case: (
            case.dispute.status in (*MEDIATING, S.AGREEMENT) and case.dispute.mediation_deadline is not None
        ),
    ),
    "escalate": Action(
        gettext_lazy("Escalate"), f.EscalateForm, _escalate, "manage", _is(*Dispute.OPEN_STATUSES, S.BREACH)
    ),
    "terminate": Action(
        gettext_lazy("Terminate the mediation"),
        f.TerminateForm,
        _terminate,
        "mediate",
        _is(*MEDIATING, S.AGREEMENT, S.BREACH),
    ),
    "reopen": Action(gettext_lazy("Reopen"), f.ReopenForm, _reopen, "mediate", _is(S.BREACH)),
    "follow_up": Action(
        gettext_lazy("Follow-up visit"), f.FollowUpForm, _follow_up, "mediate", _is(S.FOLLOW_UP)
    ),
    "party_add": Action(gettext_lazy("Add a party"), f.PartyAddForm, _party_add, "mediate", _open),
    "import": Action(
        gettext_lazy("Import the parties of a group dispute"), f.ImportForm, _import, "mediate", _open
    ),
    "progress": Action(
        gettext_lazy("Progress of a party"),
        f.ProgressForm,
        _progress,
        "mediate",
        lambda case: case.dispute.is_group and case.dispute.is_open,
    ),
    "task_add": Action(gettext_lazy("Give an agency a task"), f.TaskForm, _task_add, "mediate", _open),
    "task_done": Action(
        gettext_lazy("Task done"),
        f.TaskDoneForm,
        _task_done,
        "view",
        lambda case: bool(case.open_tasks),
        inline=True,
    ),
}


def has_right(case: CaseFile, right: str) -> bool:
    return {
        "manage": case.may_manage,
        "mediate": case.may_mediate,
        "unmask": case.may_unmask,
        "view": True,
    }[right]


def action_form(case: CaseFile, name: str, data: Any = None, files: Any = None) -> f.CaseForm:
    action = ACTIONS.get(name)
    form_class = action.form if action else f.UnmaskForm
    kwargs: dict[str, Any] = {"case": case.choices(name), "prefix": name}
    if form_class is f.AgreementForm:
        kwargs["terms_initial"] = _terms_initial(case)
        if data is None and case.agreement is not None:
            kwargs["initial"] = {
                "facts": case.agreement.facts,
                "responsibilities": case.agreement.responsibilities,
            }
    return form_class(data, files, **kwargs)


def _terms_initial(case: CaseFile) -> list[dict[str, Any]]:
    return [
        {
            "obligor": o.obligor_id,
            "description": o.description,
            "amount": o.amount,
            "due_date": o.due_date,
            "method": o.method,
        }
        for o in case.obligations
    ]


def anchor_of(action: str) -> str:
    return {
        "consent": "parties",
        "party_add": "parties",
        "import": "parties",
        "progress": "parties",
        "assign": "mediators",
        "recuse": "mediators",
        "session": "sessions",
        "agreement": "agreement",
        "sign": "agreement",
        "jc_apply": "agreement",
        "jc_answer": "agreement",
        "perform": "agreement",
        "breach": "agreement",
        "follow_up": "follow-ups",
        "task_add": "tasks",
        "task_done": "tasks",
    }.get(action, "top")
