"""One case, one file (一案一档): the case page with everything about the case, the action forms
that fit its status and the user's rights, each posting to a thin view that calls one service,
and the printable agreement.

A case the user may not see is a 404. An action the user has no right to is a 403 that changes
nothing. A refused action re-renders the page with the service's reason on the form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from disputes import services
from disputes.api.serializers import PartyUnmaskSerializer
from disputes.models import (
    Agreement,
    Assignment,
    Dispute,
    Obligation,
    Party,
)
from disputes.selectors import (
    timeline,
    user_may_mediate,
    user_may_view,
)
from disputes.views_actions import ACTIONS, action_form, anchor_of, has_right
from disputes.views_casefile import CaseFile, case_file, deadlines, visible_case
from governance.action_forms import ActionForm
from governance.errors import DomainError
from governance.services.audit import audit_record

S = Dispute.Status

# The timeline's verbs, as people say them.
VERBS = {
    "registered": gettext_lazy("Registered"),
    "escalated": gettext_lazy("Escalated"),
    "time_box_passed": gettext_lazy("Time box passed at the county"),
    "party_added": gettext_lazy("Party added"),
    "parties_imported": gettext_lazy("Parties imported"),
    "party_progress": gettext_lazy("Party's progress"),
    "alert_attached": gettext_lazy("Further alert"),
    "triaged": gettext_lazy("Triaged"),
    "consented": gettext_lazy("Consent to mediation"),
    "accepted": pgettext_lazy("dispute", "Accepted"),
    "mediator_assigned": gettext_lazy("Mediator assigned"),
    "mediator_recused": gettext_lazy("Mediator recused"),
    "awaiting_mediator": gettext_lazy("Awaiting a mediator"),
    "session": gettext_lazy("Mediation session"),
    "consultation": gettext_lazy("Consultation of agencies"),
    "agreement_drafted": gettext_lazy("Agreement drafted"),
    "agreement_signed": gettext_lazy("Agreement signed"),
    "agreement_superseded": gettext_lazy("Breached agreement superseded"),
    "jc_applied": gettext_lazy("Judicial confirmation applied for"),
    "jc_confirmed": gettext_lazy("Judicial confirmation granted"),
    "jc_rejected": gettext_lazy("Judicial confirmation rejected"),
    "obligation_performed": gettext_lazy("Term performed"),
    "obligation_breached": gettext_lazy("Term breached"),
    "extended": gettext_lazy("Mediation extended"),
    "terminated": gettext_lazy("Mediation terminated"),
    "reopened": gettext_lazy("Reopened"),
    "closed": gettext_lazy("Closed after follow-up"),
    "task_created": gettext_lazy("Task given"),
    "task_done": gettext_lazy("Task done"),
    "agency_joined": gettext_lazy("Agency joined"),
}


# --- the pages --------------------------------------------------------------------------------


def render_case(
    request: HttpRequest,
    case: CaseFile,
    *,
    failed: str = "",
    failed_form: ActionForm | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    actions = []
    for name, action in ACTIONS.items():
        if not (has_right(case, action.right) and action.shown(case)):
            continue
        form = failed_form if name == failed and failed_form is not None else action_form(request, case, name)
        actions.append(
            {
                "name": name,
                "title": action.title,
                "form": form,
                "inline": action.inline,
                "confirm": action.confirm,
            }
        )
    by_name = {a["name"]: a for a in actions}
    if failed and failed not in by_name and failed_form is not None:
        # The action no longer fits (the case moved on): its errors still show above the page.
        by_name[failed] = {"name": failed, "form": failed_form, "inline": True}
    unmask = None
    if case.may_unmask:
        unmask = (
            failed_form
            if failed == "unmask" and failed_form is not None
            else action_form(request, case, "unmask")
        )
    dispute = case.dispute
    now = timezone.now()
    context = {
        "dispute": dispute,
        "case": case,
        "actions": [a for a in actions if not a["inline"]],
        "action": by_name,
        "failed": failed,
        "failed_form": failed_form,
        "failed_inline": bool(failed and by_name.get(failed, {}).get("inline")),
        "unmask_form": unmask,
        "now": now,
        "today": timezone.localdate(now),
        "deadlines": deadlines(case, now),
        "events": [(e, VERBS.get(e.verb, e.verb), _status_label(e.to_status)) for e in timeline(dispute)],
        "sessions": list(
            dispute.sessions.select_related("room", "recorded_by__profile").prefetch_related("agencies")
        ),
        "follow_ups": list(dispute.follow_ups.select_related("visited_by__profile")),
        "proposals": case.proposals if "assign" in by_name else [],
        "agencies": list(dispute.agencies.order_by("name")),
        **(extra or {}),
    }
    response = render(request, "disputes/case.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a party's data unmasked once
    return response


def _status_label(value: str) -> str:
    return str(S(value).label) if value in S.values else value


@login_required
@require_GET
def case_page(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = visible_case(request, dispute_id)
    return render_case(request, case_file(request, dispute))


@login_required
@require_POST
def case_action(request: HttpRequest, dispute_id: int, action: str) -> HttpResponse:
    """One action form of the case page: check the right, the form, then call the service."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = case_file(request, visible_case(request, dispute_id))
    if not has_right(case, spec.right):
        raise HttpForbidden
    form = action_form(request, case, action, request.POST, request.FILES)
    if not form.submit(lambda d: spec.run(request, case, d)):
        if form.refusal is not None:
            return _refused(request, dispute_id, action, form, form.refusal)
        return render_case(request, case, failed=action, failed_form=form, status=form.status)
    messages.success(request, form.result)
    if not user_may_view(request.user, case.dispute):
        # A mediator recused, or whose case closed, no longer sees it.
        return redirect("disputes:ledger")
    return redirect(reverse("disputes:case", args=[dispute_id]) + f"#{anchor_of(action)}")


def _refused(
    request: HttpRequest, dispute_id: int, action: str, form: ActionForm, exc: DomainError
) -> HttpResponse:
    # The case as it stands now (the service may have found it moved on).
    fresh = case_file(request, visible_case(request, dispute_id))
    messages.error(request, exc.message)
    return render_case(request, fresh, failed=action, failed_form=form, status=exc.http_status)


@login_required
@require_POST
def party_unmask(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """A party's data in clear, once, for a stated reason; the service logs who saw what and why.
    The value is in this response only: never in a redirect, a message or a cache."""
    case = case_file(request, visible_case(request, dispute_id))
    if not case.may_unmask:
        raise HttpForbidden
    form = action_form(request, case, "unmask", request.POST)
    assert isinstance(form, ActionForm)
    if not form.submit(
        lambda d: services.party_unmask(
            actor=request.user, party=d["party"], field=d["field"], reason=d["reason"]
        )
    ):
        return render_case(request, case, failed="unmask", failed_form=form, status=form.status)
    d = form.validated_data
    field_label = dict(PartyUnmaskSerializer().fields["field"].choices).get(d["field"], "")  # type: ignore[attr-defined]
    return render_case(
        request,
        case,
        extra={"unmasked": {"party": d["party"], "field": field_label, "value": form.result or "—"}},
    )


# --- the printable agreement ------------------------------------------------------------------


@login_required
@require_GET
def agreement_print(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The agreement as a legal document (People's Mediation Law art. 29): in Chinese whatever
    the interface language, with the parties' full names, so only those who mediate the case
    may print it, and each print is logged."""
    dispute = visible_case(request, dispute_id)
    if not user_may_mediate(request.user, dispute):
        raise HttpForbidden
    agreement = get_object_or_404(
        Agreement.objects.select_related("drafted_by__profile").prefetch_related(
            Prefetch(
                "obligations",
                queryset=Obligation.objects.select_related("obligor").order_by("due_date", "id"),
            )
        ),
        dispute=dispute,
    )
    parties = list(dispute.parties.order_by("role", "id"))
    role_order = {Party.Role.APPLICANT: 0, Party.Role.RESPONDENT: 1, Party.Role.THIRD: 2}
    parties.sort(key=lambda p: (role_order.get(Party.Role(p.role), 3), p.pk))
    # Mediators who worked the case to its end; not those recused or replaced.
    mediators = [
        a.mediator
        for a in dispute.assignments.select_related("mediator__user__profile", "mediator__agency")
        if a.end_reason not in (Assignment.EndReason.RECUSED, Assignment.EndReason.REPLACED)
    ]
    with transaction.atomic():
        audit_record(actor=request.user, verb="dispute.agreement_print", target=dispute, reason="print")
    with translation.override("zh-hans"):
        response = render(
            request,
            "disputes/agreement_print.html",
            {
                "dispute": dispute,
                "agreement": agreement,
                "parties": parties,
                "signers": [p for p in parties if p.is_principal] or parties,
                "mediators": mediators,
                "organisation": mediators[0].agency.name if mediators else "",
                "copies": len([p for p in parties if p.is_principal]) + 1,
            },
        )
    response["Cache-Control"] = "no-store"
    return response
