"""Station pages: the live dashboard, an order with its step buttons, the desk intake form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.errors import DomainError
from governance.models import Region
from governance.selectors import regions_visible_to
from stations.forms import DeskAlertForm
from stations.models import ClockBreach, DispatchOrder, Station
from stations.selectors import (
    open_orders_for_station,
    orders_visible_to,
    stations_commanded_by,
    stations_staffed_by,
)
from stations.services import STEPS, alert_intake, order_step


def _stations_of(request: HttpRequest) -> list[Station]:
    return list(
        (stations_staffed_by(request.user) | stations_commanded_by(request.user)).distinct().order_by("name")
    )


def _station_or_404(request: HttpRequest, station_id: int) -> Station:
    for station in _stations_of(request):
        if station.pk == station_id:
            return station
    raise Http404


@login_required
def dashboard(request: HttpRequest, station_id: int | None = None) -> HttpResponse:
    stations = _stations_of(request)
    if not stations:
        raise Http404(_("You are not on the staff of any station."))
    station = _station_or_404(request, station_id) if station_id else stations[0]
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    counts = DispatchOrder.objects.filter(station=station, dispatched_at__gte=today).aggregate(
        received=Count("pk"),
        closed=Count(
            "pk", filter=Q(status__in=[DispatchOrder.Status.CLOSED, DispatchOrder.Status.FOLLOWED_UP])
        ),
    )
    counts["breaches"] = ClockBreach.objects.filter(order__station=station, detected_at__gte=today).count()
    return render(
        request,
        "stations/dashboard.html",
        {
            "station": station,
            "stations": stations,
            "orders": open_orders_for_station(station),
            "counts": counts,
        },
    )


@login_required
def open_orders(request: HttpRequest, station_id: int) -> HttpResponse:
    """The open-orders table, polled by the dashboard every few seconds (htmx)."""
    station = _station_or_404(request, station_id)
    return render(
        request,
        "stations/_open_orders.html",
        {"orders": open_orders_for_station(station), "now": timezone.now()},
    )


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(
        orders_visible_to(request.user).prefetch_related("events", "breaches"), pk=order_id
    )
    next_steps = [name for name, spec in STEPS.items() if order.status in spec.sources]
    return render(request, "stations/order_detail.html", {"order": order, "next_steps": next_steps})


@login_required
@require_POST
def order_take_step(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(orders_visible_to(request.user), pk=order_id)
    try:
        order_step(
            order=order,
            step=request.POST.get("step", ""),
            actor=request.user,
            note=request.POST.get("note", "")[:2000],
            transfer_to=request.POST.get("transfer_to", ""),
        )
    except DomainError as exc:
        detail = "; ".join(m for ms in exc.fields.values() for m in ms)
        messages.error(request, f"{exc.message} {detail}".strip())
    return redirect("stations:order", order_id=order.pk)


@login_required
def alert_new(request: HttpRequest) -> HttpResponse:
    villages = [
        (v.code, f"{v.parent.name if v.parent else ''} {v.name}")
        for v in regions_visible_to(request.user)
        .filter(level=Region.Level.VILLAGE)
        .select_related("parent")[:2000]
    ]
    form = DeskAlertForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            result = alert_intake(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Alert registered and dispatched."))
            return redirect("stations:order", order_id=result.order.pk)
    return render(request, "stations/alert_new.html", {"form": form})
