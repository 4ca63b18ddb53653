"""The station's 24-hour duty roster: the week by day, a form to add a shift, remove buttons.
Who may see and change it is who may see the station's dashboard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.errors import DomainError
from stations.api.roster import shift_add
from stations.models import DutyShift, Station
from stations.services.roster import display_name, duty_shift_remove, on_duty_now, roster_members
from stations.views import _station_or_404

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _week_start(request: HttpRequest) -> date:
    """Monday of the week asked for (``?week=YYYY-MM-DD``, any day of it), else of this week."""
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return day - timedelta(days=day.weekday())


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _week_context(station: Station, monday: date) -> dict[str, Any]:
    start, end = _aware(monday), _aware(monday + timedelta(days=7))
    shifts = (
        DutyShift.objects.filter(station=station, starts_at__lt=end, ends_at__gt=start)
        .select_related("person__profile")
        .order_by("starts_at", "pk")
    )
    days: dict[date, list[DutyShift]] = {monday + timedelta(days=i): [] for i in range(7)}
    for shift in shifts:
        # A shift that began last Sunday night is listed on Monday, where this week sees it.
        day = max(timezone.localtime(shift.starts_at).date(), monday)
        days[day].append(shift)
    now = timezone.now()
    return {
        "days": list(days.items()),
        "today": timezone.localdate(),
        "now": now,
        "week_start": monday,
        "previous_week": (monday - timedelta(days=7)).isoformat(),
        "next_week": (monday + timedelta(days=7)).isoformat(),
        "on_duty": on_duty_now(station, now),
    }


def _initial() -> dict[str, str]:
    """The form starts on the next whole hour for one 24-hour shift, the usual duty."""
    now = timezone.localtime()
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "starts_at": start.strftime(DATETIME_LOCAL),
        "ends_at": (start + timedelta(hours=24)).strftime(DATETIME_LOCAL),
    }


@login_required
def roster(request: HttpRequest, station_id: int) -> HttpResponse:
    station = _station_or_404(request, station_id)
    monday = _week_start(request)
    form = ActionForm(
        action_named("stations.shift.add"),
        data=request.POST if request.method == "POST" else None,
        initial={"station": station.pk, **_initial()},
        choices={
            "person": [(u.pk, f"{display_name(u)} ({u.get_username()})") for u in roster_members(station)]
        },
        exclude=["station"],
    )
    if form.submit(lambda d: shift_add(request.user, d, station)):
        messages.success(request, _("Shift added."))
        week = timezone.localtime(form.result.starts_at).date().isoformat()
        return redirect(f"{reverse('stations:roster', args=[station.pk])}?week={week}")
    return render(
        request,
        "stations/roster.html",
        {"station": station, "form": form, **_week_context(station, monday)},
        status=form.status if form.is_bound else 200,
    )


@login_required
@require_POST
def roster_remove(request: HttpRequest, station_id: int, shift_id: int) -> HttpResponse:
    station = _station_or_404(request, station_id)
    shift = get_object_or_404(DutyShift, pk=shift_id, station=station)
    week = timezone.localtime(shift.starts_at).date().isoformat()
    try:
        duty_shift_remove(actor=request.user, shift=shift)
    except DomainError as exc:
        detail = "; ".join(m for ms in exc.fields.values() for m in ms)
        messages.error(request, f"{exc.message} {detail}".strip())
    else:
        messages.success(request, _("Shift removed."))
    return redirect(f"{reverse('stations:roster', args=[station.pk])}?week={week}")
