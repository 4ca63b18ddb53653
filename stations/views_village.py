"""Village-first response on the phone of a village's cadre or grid worker: the police dispatched
to the village, and the report that the village settled the matter before they came."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.errors import PermissionDenied
from stations.models import DispatchOrder
from stations.selectors import orders_for_village_reporters
from stations.services.village_first import order_village_report

REPORT = "stations.order.village_report"


def _page(request: HttpRequest, order: DispatchOrder, form: ActionForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "stations/village_order.html",
        {
            "order": order,
            "form": form,
            "may_report": order.village_reported_at is None
            and order.status in DispatchOrder.VILLAGE_MAY_SETTLE,
        },
        status=status,
    )


@login_required
@require_GET
def village_order(request: HttpRequest, order_id: int) -> HttpResponse:
    """What was reported, where, the station on its way, and the village's report form."""
    order = get_object_or_404(orders_for_village_reporters(request.user), pk=order_id)
    return _page(request, order, ActionForm(action_named(REPORT)))


@login_required
@require_POST
def village_order_report(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(orders_for_village_reporters(request.user), pk=order_id)
    form = ActionForm(action_named(REPORT), data=request.POST)
    if form.submit(lambda d: order_village_report(actor=request.user, order=order, **d)):
        messages.success(request, _("Reported. The station will call you back to confirm."))
        return redirect("stations:village-order", order_id=order.pk)
    if isinstance(form.refusal, PermissionDenied):
        raise DjangoPermissionDenied(form.refusal.message)
    order.refresh_from_db()
    return _page(request, order, form, status=form.status)
