"""The grid worker's phone pages: report an incident from the grid, follow one's own reports, and
answer the whistles addressed to one's agencies. Grid workers, village cadres and township
officials use them; volunteers report through their own app and get a 404 here.

Made for a 360 px phone held in one hand on a poor network: plain forms, no script but a few
lines inline, and every write safe to send twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.actors import Actor
from governance.models import Region
from governance.selectors import jurisdiction_for, regions_visible_to
from stations.api.serializers import intake_input
from stations.models import Alert, DispatchOrder, Summons
from stations.selectors import GRID_ROLES, orders_for_village_reporters
from stations.services import alert_intake
from stations.summons_selectors import (
    summonable_agencies,
    summonses_visible_to,
    targets_answerable_by,
)
from stations.views_summons import agency_choices, answer_target, deadlines, whistle_sent

MY_REPORTS_SHOWN = 20
WHISTLES_SHOWN = 50


def _require_grid_user(request: HttpRequest) -> None:
    """Grid workers, village cadres and township officials; everyone else (volunteers above all)
    gets a 404, as if the pages did not exist."""
    if not any(m.role in GRID_ROLES for m in jurisdiction_for(request.user).memberships):
        raise Http404


def _villages(user: Actor) -> list[tuple[str, str]]:
    return [
        (v.code, f"{v.parent.name if v.parent else ''} {v.name}".strip())
        for v in regions_visible_to(user)
        .filter(level=Region.Level.VILLAGE)
        .select_related("parent")
        .order_by("code")[:2000]
    ]


@login_required
def grid_home(request: HttpRequest) -> HttpResponse:
    _require_grid_user(request)
    return _home(request)


def _home(
    request: HttpRequest, *, errors: dict[int, ActionForm] | None = None, status: int = 200
) -> HttpResponse:
    reports = (
        Alert.objects.filter(created_by_id=request.user.pk)
        .select_related("village", "order__station")
        .order_by("-received_at", "-id")[:MY_REPORTS_SHOWN]
    )
    # Whistles still to answer, the earliest deadline first.
    whistles = list(
        targets_answerable_by(request.user)
        .filter(summons__status=Summons.Status.OPEN, handled_at__isnull=True)
        .order_by("check_in_due", "pk")[:WHISTLES_SHOWN]
    )
    for t in whistles:
        form = (errors or {}).get(t.pk)
        t.note_errors = form.errors.get("note", []) if form else []  # type: ignore[attr-defined]
        t.note_value = request.POST.get("note", "") if form else ""  # type: ignore[attr-defined]
    # The whistles this user blew, still open or awaiting his verification.
    blown = (
        summonses_visible_to(request.user)
        .filter(whistler_id=request.user.pk)
        .exclude(status=Summons.Status.VERIFIED)[:WHISTLES_SHOWN]
    )
    # The police on their way to one's villages: the village may have settled it already.
    village_orders = (
        orders_for_village_reporters(request.user)
        .filter(status__in=DispatchOrder.OPEN)
        .order_by("-dispatched_at", "-id")[:WHISTLES_SHOWN]
    )
    handle = action_named("stations.summons.handle").input
    note_label = handle().fields["note"].label if handle else ""
    return render(
        request,
        "stations/grid_home.html",
        {
            "reports": reports,
            "whistles": whistles,
            "blown": blown,
            "note_label": note_label,
            "village_orders": village_orders,
        },
        status=status,
    )


@login_required
def grid_report(request: HttpRequest) -> HttpResponse:
    """Report from the grid: what, which village, where, and the phone's point when it gives one."""
    _require_grid_user(request)
    villages = _villages(request.user)
    form = ActionForm(
        action_named("stations.alert.grid_report"),
        data=request.POST if request.method == "POST" else None,
        initial={
            "channel": Alert.Channel.GRID,
            "village_code": villages[0][0] if len(villages) == 1 else "",
            # Drawn with the page (grid_report.js draws another for a page restored by "back"):
            # a second tap on a slow network is the same report.
            "request_key": uuid.uuid4().hex,
        },
        choices={"village_code": villages},
        exclude=["channel", "caller_name", "caller_phone", "reported_at", "priority"],
        # The service's refusal of the point stands beside "use my location".
        error_fields={"location": "lng"},
    )

    def report(d: dict[str, Any]) -> Any:
        values, key = intake_input(d)
        return alert_intake(actor=request.user, idempotency_key=key, **values)

    if form.submit(report):
        alert = form.result.alert
        if form.result.created:
            messages.success(request, _("Report #%(id)s received and sent on.") % {"id": alert.pk})
        else:
            messages.info(request, _("Report #%(id)s was already received.") % {"id": alert.pk})
        return redirect("stations:grid-home")
    fields = form.fields
    # A point that was refused is said beside "use my location" and dropped, so that the report
    # can go with the village alone.
    location_errors = [*fields["lng"].errors, *fields["lat"].errors]
    return render(
        request,
        "stations/grid_report.html",
        {"form": form, "location_errors": location_errors},
        status=form.status if form.is_bound else 200,
    )


def _answer(request: HttpRequest, target_id: int, answer: str) -> HttpResponse:
    """Check in, or record what was done, for one summoned agency from the grid page; bad input
    shows the grid page again with the errors (400)."""
    _require_grid_user(request)
    target = get_object_or_404(targets_answerable_by(request.user), pk=target_id)
    done, form = answer_target(request, target, answer)
    back = f"{reverse('stations:grid-home')}#whistle-{target.pk}"
    if done:
        return redirect(back)
    if not form.errors.get("note"):
        # A refusal of the state (not checked in, already verified): said above the page.
        messages.error(request, " ".join(form.non_field_errors))
        return redirect(back)
    return _home(request, errors={target.pk: form}, status=400)


@login_required
@require_POST
def grid_check_in(request: HttpRequest, target_id: int) -> HttpResponse:
    return _answer(request, target_id, "check_in")


@login_required
@require_POST
def grid_handle(request: HttpRequest, target_id: int) -> HttpResponse:
    return _answer(request, target_id, "handle")


@login_required
def grid_whistle(request: HttpRequest) -> HttpResponse:
    """网格有呼: a grid worker, village cadre or township official summons agencies (the police
    station among them) to a village of his area."""
    _require_grid_user(request)
    villages = _villages(request.user)
    chosen = (
        request.POST.get("village_code") or request.GET.get("village") or (villages[0][0] if villages else "")
    )
    village = Region.objects.filter(code=chosen, level=Region.Level.VILLAGE).first()
    agencies = summonable_agencies(village) if village is not None else []
    own = {m.agency_id for m in jurisdiction_for(request.user).memberships}
    form = ActionForm(
        action_named("stations.summons.whistle_grid"),
        data=request.POST if request.method == "POST" else None,
        context={"request": request},
        initial={"village_code": chosen},
        choices={
            "village_code": villages,
            "agencies": agency_choices([a for a in agencies if a.pk not in own]),
        },
        exclude=["order"],
    )
    if sent := whistle_sent(request, form, f"village:{chosen}", lambda d: {"village": d["village_code"]}):
        return sent
    return render(
        request,
        "stations/grid_whistle.html",
        {"form": form, "deadlines": deadlines(), "villages": villages, "chosen": chosen},
        status=400 if form.is_bound else 200,
    )
