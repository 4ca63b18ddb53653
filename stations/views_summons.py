"""The whistle's pages (吹哨报到): blow one from an order, follow each summoned agency's report-in
and handling on the whistle's page, and verify or reopen it there. The grid side blows and
answers from its phone pages (``views_grid``). Every form is the action's declared serializer
(``stations.actions``); what is offered follows ``Summons.TRANSITIONS``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.models import Agency
from stations.models import Summons, SummonsTarget
from stations.selectors import orders_visible_to
from stations.services.summons import (
    CHECK_IN_LIMITS,
    may_conclude,
    summons_check_in,
    summons_handle,
    summons_reopen,
    summons_verify,
    summons_whistle,
)
from stations.summons_selectors import summonable_agencies, summonses_visible_to, targets_answerable_by


def deadlines() -> list[tuple[str, Any]]:
    """(urgency label, check-in deadline if whistled now), for the page to show."""
    now = timezone.now()
    return [(str(Summons.Urgency(u).label), now + CHECK_IN_LIMITS[u]) for u in Summons.Urgency]


def page_key(scope: str, data: dict[str, Any]) -> str:
    """The same whistle sent twice from a page (a double tap, a resent form) on the same day is one
    whistle: the key is where, whom, how urgent and why (``governance.idempotency`` makes it the
    whistler's own)."""
    agencies = sorted(a.pk if isinstance(a, Agency) else int(a) for a in data.get("agencies", []))
    text = f"{scope}|{agencies}|{data.get('urgency')}|{data.get('reason', '').strip()}|{timezone.localdate()}"
    return f"page:{hashlib.sha256(text.encode()).hexdigest()[:40]}"


def agency_choices(agencies: Sequence[Agency]) -> list[tuple[int, str]]:
    return [(a.pk, a.name) for a in agencies]


def whistle_sent(
    request: HttpRequest, form: ActionForm, scope: str, where: Callable[[dict[str, Any]], dict[str, Any]]
) -> HttpResponse | None:
    """Blow the whistle of a posted form (from an order or a village, ``where`` says which): the
    whistle's page on success, None to re-render the form with its errors."""
    if request.method != "POST" or not form.submit(
        lambda d: summons_whistle(
            actor=request.user,
            agencies=d["agencies"],
            urgency=d["urgency"],
            reason=d["reason"],
            idempotency_key=page_key(scope, d),
            **where(d),
        )
    ):
        return None
    messages.success(request, _("Whistle blown: the agencies are told to report in."))
    return redirect("stations:summons", summons_id=form.result.pk)


@login_required
def order_whistle(request: HttpRequest, order_id: int) -> HttpResponse:
    """转吹哨报到 from an order: the agencies serving the order's village, the urgency, the reason."""
    order = get_object_or_404(orders_visible_to(request.user).select_related("alert__village"), pk=order_id)
    village = order.alert.village
    own = order.station.police_agency_id if order.station else None
    form = ActionForm(
        action_named("stations.summons.whistle"),
        data=request.POST if request.method == "POST" else None,
        context={"request": request},
        choices={"agencies": agency_choices(summonable_agencies(village, besides=own))},
        initial={"order": order.pk, "village_code": ""},
        exclude=["order", "village_code"],
    )
    if sent := whistle_sent(request, form, f"order:{order.pk}", lambda d: {"order": d["order"]}):
        return sent
    return render(
        request,
        "stations/order_whistle.html",
        {"order": order, "form": form, "deadlines": deadlines()},
        status=400 if form.is_bound else 200,
    )


def answer_target(request: HttpRequest, target: SummonsTarget, answer: str) -> tuple[bool, ActionForm]:
    """Check in, or record what was done, for one summoned agency: the declared action's
    serializer reads the form, the service decides; the success is said in a message."""
    name = "stations.summons.check_in" if answer == "check_in" else "stations.summons.handle"
    form = ActionForm(
        action_named(name), data=request.POST, initial={"agency": target.agency_id}, exclude=["agency"]
    )
    if answer == "check_in":
        done = form.submit(lambda d: summons_check_in(actor=request.user, target=target))
        success = _("Checked in for %(agency)s.") % {"agency": target.agency.name}
    else:
        done = form.submit(lambda d: summons_handle(actor=request.user, target=target, note=d["note"]))
        success = _("Recorded what %(agency)s did.") % {"agency": target.agency.name}
    if done:
        messages.success(request, success)
    return done, form


def _summons_or_404(request: HttpRequest, summons_id: int) -> Summons:
    return get_object_or_404(summonses_visible_to(request.user).select_related("order__alert"), pk=summons_id)


def _detail(
    request: HttpRequest,
    summons: Summons,
    reopen: ActionForm | None = None,
    status: int = 200,
    answering: dict[int, ActionForm] | None = None,
) -> HttpResponse:
    concludes = may_conclude(request.user, summons)
    offered = Summons.TRANSITIONS.offered(summons.status, among=("verify", "reopen")) if concludes else []
    now = timezone.now()
    targets = list(summons.targets.all())
    # The agencies the user answers for report in and say what they did here, as on the grid page.
    mine = (
        set(targets_answerable_by(request.user).filter(summons=summons).values_list("pk", flat=True))
        if summons.status == Summons.Status.OPEN
        else set()
    )
    for t in targets:
        t.overdue = t.checked_in_at is None and t.check_in_due < now  # type: ignore[attr-defined]
        t.answerable = t.pk in mine and t.handled_at is None  # type: ignore[attr-defined]
        form = (answering or {}).get(t.pk)
        t.note_errors = form.errors.get("note", []) if form else []  # type: ignore[attr-defined]
        t.note_value = request.POST.get("note", "") if form else ""  # type: ignore[attr-defined]
    handle = action_named("stations.summons.handle").input
    return render(
        request,
        "stations/summons_detail.html",
        {
            "summons": summons,
            "targets": targets,
            "note_label": handle().fields["note"].label if handle else "",
            "order_visible": summons.order_id is not None
            and orders_visible_to(request.user).filter(pk=summons.order_id).exists(),
            "offered": offered,
            "verify_form": ActionForm(action_named("stations.summons.verify"))
            if "verify" in offered
            else None,
            "reopen_form": reopen
            or (ActionForm(action_named("stations.summons.reopen")) if "reopen" in offered else None),
        },
        status=status,
    )


@login_required
def summons_detail(request: HttpRequest, summons_id: int) -> HttpResponse:
    return _detail(request, _summons_or_404(request, summons_id))


def _target_answer(request: HttpRequest, summons_id: int, target_id: int, answer: str) -> HttpResponse:
    summons = _summons_or_404(request, summons_id)
    target = get_object_or_404(targets_answerable_by(request.user).filter(summons=summons), pk=target_id)
    done, form = answer_target(request, target, answer)
    if done:
        return redirect("stations:summons", summons_id=summons.pk)
    if not form.errors.get("note"):
        messages.error(request, " ".join(form.non_field_errors))
        return redirect("stations:summons", summons_id=summons.pk)
    return _detail(request, summons, status=400, answering={target.pk: form})


@login_required
@require_POST
def summons_target_check_in(request: HttpRequest, summons_id: int, target_id: int) -> HttpResponse:
    """报到 from the whistle's page, for an agency the user answers for (the mediation committee,
    the police station, a market regulator... not only the grid's own)."""
    return _target_answer(request, summons_id, target_id, "check_in")


@login_required
@require_POST
def summons_target_handle(request: HttpRequest, summons_id: int, target_id: int) -> HttpResponse:
    return _target_answer(request, summons_id, target_id, "handle")


@login_required
@require_POST
def summons_verify_view(request: HttpRequest, summons_id: int) -> HttpResponse:
    summons = _summons_or_404(request, summons_id)
    form = ActionForm(action_named("stations.summons.verify"), data=request.POST)
    if form.submit(lambda d: summons_verify(actor=request.user, summons=summons)):
        messages.success(request, _("Verified: the matter is done."))
        return redirect("stations:summons", summons_id=summons.pk)
    messages.error(request, " ".join(form.non_field_errors))
    return _detail(request, summons, status=403 if not may_conclude(request.user, summons) else 409)


@login_required
@require_POST
def summons_reopen_view(request: HttpRequest, summons_id: int) -> HttpResponse:
    summons = _summons_or_404(request, summons_id)
    form = ActionForm(action_named("stations.summons.reopen"), data=request.POST)
    if form.submit(lambda d: summons_reopen(actor=request.user, summons=summons, **d)):
        messages.success(request, _("Reopened: every agency is told to handle it again."))
        return redirect("stations:summons", summons_id=summons.pk)
    if not may_conclude(request.user, summons):
        return _detail(request, summons, status=403)
    return _detail(request, summons, reopen=form, status=400)
