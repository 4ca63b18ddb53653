"""The action forms of the case page: for each, the declared action (disputes/actions.py) whose
input serializer is its form, the right it needs, when the page offers it (``Dispute.TRANSITIONS``
plus what the table cannot say: an unsigned agreement, a pending term ...), what its fields offer
from the case, and the service it calls. A view runs them (``views_case.case_action``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import services
from disputes.api import serializers as s
from disputes.models import Agreement, Mediator, Party, Session
from disputes.views_casefile import CaseFile
from governance.action_forms import ActionForm
from governance.actions import Action, action_named
from governance.spreadsheets import MAX_UPLOAD_BYTES

Data = dict[str, Any]
Run = Callable[[HttpRequest, CaseFile, Data], str]
Choices = Mapping[str, Sequence[tuple[Any, Any]]]


@dataclass(frozen=True)
class CaseAction:
    declared: str  # the name in disputes/actions.py
    run: Run
    right: str  # "manage", "mediate", "unmask" or "view" (the service decides)
    shown: Callable[[CaseFile], bool]
    inline: bool = False  # drawn beside what it acts on, not in the list of actions
    # The API takes the object from its URL: the page's serializer adds the pick of it.
    page_input: type | None = None
    choices: Callable[[CaseFile], Choices] = lambda case: {}
    initial: Callable[[CaseFile], Data] = lambda case: {}
    exclude: Sequence[str] = field(default=())
    extra_rows: Mapping[str, int] = field(default_factory=dict)  # blank rows under a list's rows
    confirm: Any = ""  # the question asked before an irreversible step

    @property
    def action(self) -> Action:
        declared = action_named(self.declared)
        return dataclasses.replace(declared, input=self.page_input) if self.page_input else declared

    @property
    def title(self) -> Any:
        return action_named(self.declared).label


# --- what the forms offer ---------------------------------------------------------------------


def _party_label(p: Party) -> str:
    return f"{p.masked_name} ({p.get_role_display()})"


def _mediator_label(m: Mediator) -> str:
    return f"{m} · {m.get_team_display()} · {m.agency.name}"


def _parties(case: CaseFile) -> list[tuple[int, str]]:
    return [(p.pk, _party_label(p)) for p in case.parties]


def _agencies(case: CaseFile) -> list[tuple[int, str]]:
    return [(a.pk, a.name) for a in case.agencies]


def _pool(case: CaseFile) -> list[tuple[int, str]]:
    return [(m.pk, _mediator_label(m)) for m in case.pool]


def _session_choices(case: CaseFile) -> Choices:
    return {
        "kind": [(k, Session.Kind(k).label) for k in case.session_kinds],
        "room": case.rooms,
        "agencies": _agencies(case),
    }


def _agencies_to_add(case: CaseFile) -> Choices:
    joined = {a.pk for a in case.dispute.agencies.all()}
    return {"agency": [(a.pk, a.name) for a in case.agencies if a.pk not in joined]}


def _now() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


# --- what they do -----------------------------------------------------------------------------


def _triage(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.dispute_triage(actor=request.user, dispute=case.dispute, **d)
    return _("Triage recorded.")


def _consent(request: HttpRequest, case: CaseFile, d: Data) -> str:
    party = services.party_consent(actor=request.user, party=d["party"], rights_informed=d["rights_informed"])
    return _("Consent of %(party)s recorded.") % {"party": party.masked_name}


def _party_add(request: HttpRequest, case: CaseFile, d: Data) -> str:
    party = services.party_add(actor=request.user, dispute=case.dispute, party=s.party_input(d))
    return _("%(party)s added to the case.") % {"party": party.masked_name}


def _accept(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.dispute_accept(actor=request.user, dispute=case.dispute)
    return _("Case accepted for mediation; the 30 days run from today.")


def _assign(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.mediator_assign(
        actor=request.user, dispute=case.dispute, mediator=d["mediator"], chosen_by=d["chosen_by"]
    )
    return _("%(mediator)s assigned.") % {"mediator": d["mediator"]}


def _recuse(request: HttpRequest, case: CaseFile, d: Data) -> str:
    mediator = d["mediator"]
    replacement = services.mediator_recuse(
        actor=request.user,
        dispute=case.dispute,
        mediator=mediator,
        party=d["party"],
        reason=d["reason"],
        replacement=d["replacement"],
    )
    if replacement is None:
        return _("%(mediator)s recused; no mediator is available, the case waits for one.") % {
            "mediator": mediator
        }
    return _("%(mediator)s recused; %(other)s takes the case.") % {
        "mediator": mediator,
        "other": replacement.mediator,
    }


def _session(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.session_record(actor=request.user, dispute=case.dispute, **d)
    return _("Session recorded.")


def _agreement(request: HttpRequest, case: CaseFile, d: Data) -> str:
    terms = [
        services.TermInput(
            obligor_id=row["obligor"],
            description=row["description"],
            due_date=row["due_date"],
            amount=row["amount"],
            method=row["method"],
        )
        for row in d["terms"]
    ]
    services.agreement_draft(
        actor=request.user,
        dispute=case.dispute,
        facts=d["facts"],
        responsibilities=d["responsibilities"],
        terms=terms,
    )
    return _("Agreement saved with %(n)d terms.") % {"n": len(terms)}


def _signed_agreement(case: CaseFile) -> Agreement:
    assert case.agreement is not None
    return case.agreement


def _sign(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.agreement_sign(actor=request.user, agreement=_signed_agreement(case), signed_by=d["signed_by"])
    return _("Agreement signed: it takes effect today.")


def _jc_apply(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.judicial_confirmation_apply(
        actor=request.user, agreement=_signed_agreement(case), court=d["court"]
    )
    return _("Application for judicial confirmation recorded.")


def _jc_answer(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.judicial_confirmation_answer(
        actor=request.user, agreement=_signed_agreement(case), confirmed=d["confirmed"], note=d["note"]
    )
    return _("The court's answer is recorded.")


def _perform(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.obligation_perform(actor=request.user, obligation=d["obligation"])
    return _("Term recorded as performed.")


def _breach(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.obligation_breach(
        actor=request.user, obligation=d["obligation"], note=d["note"], next_route=d["next_route"]
    )
    return _("Breach recorded.")


def _escalate(request: HttpRequest, case: CaseFile, d: Data) -> str:
    dispute = services.dispute_escalate(actor=request.user, dispute=case.dispute, **d)
    return _("Case escalated to: %(tier)s.") % {"tier": dispute.get_tier_display()}


def _extend(request: HttpRequest, case: CaseFile, d: Data) -> str:
    dispute = services.mediation_extend(actor=request.user, dispute=case.dispute, **d)
    assert dispute.mediation_deadline is not None
    return _("Mediation now due by %(date)s.") % {
        "date": timezone.localtime(dispute.mediation_deadline).strftime("%Y-%m-%d")
    }


def _terminate(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.dispute_terminate(actor=request.user, dispute=case.dispute, **d)
    return _("Mediation terminated.")


def _reopen(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.dispute_reopen(actor=request.user, dispute=case.dispute, reason=d["reason"])
    return _("Case reopened for mediation.")


def _follow_up(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.follow_up_record(actor=request.user, dispute=case.dispute, **d)
    if d["recurred"]:
        return _("Follow-up recorded; the dispute recurred and the case is reopened.")
    return _("Follow-up recorded; the case is closed.")


def _task_add(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.case_task_create(actor=request.user, dispute=case.dispute, **d)
    return _("Task given to %(agency)s.") % {"agency": d["agency"].name}


def _task_done(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.case_task_done(actor=request.user, task=d["task"], result=d["result"])
    return _("Task closed.")


def _agency_add(request: HttpRequest, case: CaseFile, d: Data) -> str:
    services.dispute_add_agency(actor=request.user, dispute=case.dispute, agency=d["agency"])
    return _("%(agency)s joins the case.") % {"agency": d["agency"].name}


def _import(request: HttpRequest, case: CaseFile, d: Data) -> str:
    upload = d["file"]
    # One byte more than allowed is enough for the reader to refuse the file as too large.
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    added = services.group_parties_import(
        actor=request.user, dispute=case.dispute, file_name=upload.name, content=content
    )
    return _("%(n)d parties imported.") % {"n": added}


def _progress(request: HttpRequest, case: CaseFile, d: Data) -> str:
    party = services.party_progress(
        actor=request.user, party=d["party"], progress=d["progress"], note=d["note"]
    )
    return _("%(party)s: %(progress)s.") % {
        "party": party.masked_name,
        "progress": party.get_progress_display(),
    }


# --- when the page offers them: the state table, and what it cannot say ----------------------


def _can(*actions: str) -> Callable[[CaseFile], bool]:
    return lambda case: any(case.dispute.can(a) for a in actions)


def _open(case: CaseFile) -> bool:
    return case.dispute.is_open


def _unsigned(case: CaseFile) -> bool:
    return case.dispute.can("agreement") and not (case.agreement and case.agreement.signed_at)


def _consent_pending(case: CaseFile) -> bool:
    return case.dispute.can("consent") and any(p.consented_at is None for p in case.parties)


def _terms_pending(action: str) -> Callable[[CaseFile], bool]:
    return lambda case: case.dispute.can(action) and bool(case.pending_obligations)


def _jc_open(case: CaseFile) -> bool:
    a = case.agreement
    return bool(a and a.signed_at and not a.jc_status and a.jc_deadline and timezone.now() <= a.jc_deadline)


def _case(name: str) -> str:
    return f"disputes.dispute.{name}"


ACTIONS: dict[str, CaseAction] = {
    "triage": CaseAction(_case("triage"), _triage, "manage", _can("triage")),
    "consent": CaseAction(
        _case("consent"),
        _consent,
        "mediate",
        _consent_pending,
        inline=True,
        page_input=s.ConsentPageSerializer,
        choices=lambda case: {"party": _parties(case)},
    ),
    "accept": CaseAction(_case("accept"), _accept, "manage", _can("accept")),
    "assign": CaseAction(
        _case("assign"),
        _assign,
        "manage",
        _can("assign"),
        choices=lambda case: {"mediator": _pool(case), "chosen_by": _parties(case)},
    ),
    "recuse": CaseAction(
        _case("recuse"),
        _recuse,
        "mediate",
        lambda case: bool(case.live_assignments) and case.dispute.is_open,
        page_input=s.RecusePageSerializer,
        choices=lambda case: {
            "mediator": [(a.mediator.pk, str(a.mediator)) for a in case.live_assignments],
            "party": _parties(case),
            "replacement": _pool(case),
        },
    ),
    "session": CaseAction(
        _case("session"),
        _session,
        "mediate",
        _can("session", "consultation"),
        choices=_session_choices,
        initial=lambda case: {"held_at": _now()},
    ),
    "agreement": CaseAction(
        _case("agreement"),
        _agreement,
        "mediate",
        _unsigned,
        choices=lambda case: {"terms.obligor": _parties(case)},
        initial=lambda case: _agreement_initial(case),
        extra_rows={"terms": 3},
    ),
    "sign": CaseAction(
        _case("sign"),
        _sign,
        "mediate",
        lambda case: case.dispute.can("sign") and case.agreement is not None,
        choices=lambda case: {"signed_by": [(p.pk, _party_label(p)) for p in case.parties if p.is_principal]},
    ),
    "jc_apply": CaseAction(_case("jc_apply"), _jc_apply, "mediate", _jc_open),
    "jc_answer": CaseAction(
        _case("jc_answer"),
        _jc_answer,
        "mediate",
        lambda case: bool(case.agreement and case.agreement.jc_status == Agreement.Confirmation.PENDING),
    ),
    "perform": CaseAction(
        _case("perform"),
        _perform,
        "mediate",
        _terms_pending("perform"),
        inline=True,
        page_input=s.PerformPageSerializer,
        choices=lambda case: {"obligation": [(o.pk, o.description) for o in case.pending_obligations]},
    ),
    "breach": CaseAction(
        _case("breach"),
        _breach,
        "mediate",
        _terms_pending("breach"),
        page_input=s.BreachPageSerializer,
        choices=lambda case: {"obligation": [(o.pk, o.description) for o in case.pending_obligations]},
    ),
    "extend": CaseAction(
        _case("extend"),
        _extend,
        "mediate",
        lambda case: case.dispute.can("extend") and case.dispute.mediation_deadline is not None,
    ),
    "escalate": CaseAction(
        _case("escalate"),
        _escalate,
        "manage",
        _can("escalate"),
        choices=lambda case: {"sector_agency": _agencies(case)},
    ),
    "terminate": CaseAction(
        _case("terminate"),
        _terminate,
        "mediate",
        _can("terminate"),
        confirm=gettext_lazy("End the mediation without an agreement? This cannot be undone."),
    ),
    "reopen": CaseAction(_case("reopen"), _reopen, "mediate", _can("reopen")),
    "follow_up": CaseAction(_case("follow_up"), _follow_up, "mediate", _can("follow_up")),
    "party_add": CaseAction(_case("party_add"), _party_add, "mediate", _open, exclude=("village",)),
    "import": CaseAction(_case("import"), _import, "mediate", _open),
    "progress": CaseAction(
        _case("progress"),
        _progress,
        "mediate",
        lambda case: case.dispute.is_group and case.dispute.is_open,
        page_input=s.ProgressPageSerializer,
        choices=lambda case: {"party": _parties(case)},
    ),
    "task_add": CaseAction(
        _case("task_add"),
        _task_add,
        "mediate",
        _open,
        choices=lambda case: {"agency": _agencies(case)},
    ),
    "task_done": CaseAction(
        _case("task_done"),
        _task_done,
        "view",
        lambda case: bool(case.open_tasks),
        inline=True,
        page_input=s.TaskDonePageSerializer,
        choices=lambda case: {"task": [(t.pk, f"{t.agency.name}: {t.title}") for t in case.open_tasks]},
    ),
    "agency_add": CaseAction(_case("agency_add"), _agency_add, "mediate", _open, choices=_agencies_to_add),
}

# Not an action of the list: the unmasking form has its own view and place on the page.
UNMASK = CaseAction(
    "disputes.party.unmask",
    lambda request, case, d: "",
    "unmask",
    lambda case: True,
    page_input=s.PartyUnmaskPageSerializer,
    choices=lambda case: {"party": _parties(case)},
)


def has_right(case: CaseFile, right: str) -> bool:
    return {
        "manage": case.may_manage,
        "mediate": case.may_mediate,
        "unmask": case.may_unmask,
        "view": True,
    }[right]


def action_form(
    request: HttpRequest, case: CaseFile, name: str, data: Any = None, files: Any = None
) -> ActionForm:
    """The form of the page's action ``name`` ("unmask" for the unmasking form): blank, or bound
    to what was posted."""
    spec = UNMASK if name == "unmask" else ACTIONS[name]
    return ActionForm(
        spec.action,
        data=data,
        files=files,
        initial=spec.initial(case) if data is None else {},
        context={"request": request, "dispute": case.dispute},
        choices=spec.choices(case),
        prefix=name,
        exclude=spec.exclude,
        extra_rows=spec.extra_rows,
    )


def _agreement_initial(case: CaseFile) -> Data:
    """The agreement as drafted so far, to be rewritten until it is signed."""
    a = case.agreement
    if a is None:
        return {}
    terms = [
        {
            "obligor": o.obligor_id,
            "description": o.description,
            "amount": o.amount,
            "due_date": o.due_date,
            "method": o.method,
        }
        for o in case.obligations
    ]
    return {"facts": a.facts, "responsibilities": a.responsibilities, "terms": terms}


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
