"""Station pages: the live dashboard, an order with its step buttons, the desk intake form; the
commander board with re-dispatch, the station map and the coverage report."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from governance.action_forms import ActionForm
from governance.actions import action_named
from governance.geo import bounding_box, polygons_of
from governance.models import AuditEvent, Notification, Region
from governance.selectors import jurisdiction_for, regions_visible_to
from stations import live
from stations.api.serializers import intake_input
from stations.models import Alert, ClockBreach, DispatchOrder, Station
from stations.selectors import (
    board_orders_for,
    commands_over,
    coverage_for,
    open_orders_for_station,
    orders_visible_to,
    redirect_agencies_for,
    stations_commanded_by,
    stations_of,
    user_may_view_board,
    user_may_view_coverage,
    villages_covered_by,
)
from stations.services import alert_intake, order_step
from stations.services.redispatch import order_redispatch
from stations.services.roster import on_duty_now
from stations.services.summons import ORDER_FINISHED as WHISTLE_FINISHED
from stations.summons_selectors import summonses_visible_to


def _stations_of(request: HttpRequest) -> list[Station]:
    return list(stations_of(request.user).order_by("name"))


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
            "counts": counts,
            "on_duty": on_duty_now(station),
            **_open_orders_context(station),
        },
    )


# A station rarely has more than a few dozen open orders; past this, the table shows the most
# urgent ones and says how many more there are, so the page stays fast in a storm.
OPEN_ORDERS_SHOWN = 200


def _open_orders_context(station: Station) -> dict[str, object]:
    orders = list(open_orders_for_station(station)[: OPEN_ORDERS_SHOWN + 1])
    more = 0
    if len(orders) > OPEN_ORDERS_SHOWN:
        more = open_orders_for_station(station).count() - OPEN_ORDERS_SHOWN
        orders = orders[:OPEN_ORDERS_SHOWN]
    return {"orders": orders, "more_orders": more}


@login_required
def open_orders(request: HttpRequest, station_id: int) -> HttpResponse:
    """The open-orders table, polled by the dashboard every few seconds (htmx)."""
    station = _station_or_404(request, station_id)
    return render(
        request,
        "stations/_open_orders.html",
        _open_orders_context(station),
    )


def _live_open(request: HttpRequest, station_id: int) -> tuple[Station, str | None]:
    """The station whose stream ``request`` may open, and a ticket for one more of his streams
    (None when he holds as many as he may)."""
    station = _station_or_404(request, station_id)
    ticket = live.stream_admit(request.user.pk or 0)  # signed in: never 0
    # The stream needs no database; outside a test's transaction, give the connection back.
    if not connection.in_atomic_block:
        connection.close()
    return station, ticket


@login_required
@require_GET
async def live_stream(request: HttpRequest, station_id: int) -> HttpResponse | StreamingHttpResponse:
    """The station's live channel (Server-Sent Events): one ``order`` event per new or changed
    order of the station, as soon as its transaction commits. Served on the event loop under
    ASGI (``governance.asgi``: an open stream holds no thread), in its request thread under WSGI."""
    station, ticket = await sync_to_async(_live_open)(request, station_id)
    if ticket is None:
        # EventSource does not retry a refused stream; the dashboard keeps its slow refresh.
        return HttpResponse(
            _("Too many live windows are open for you; close one and reload."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    user_id = request.user.pk or 0

    def release() -> None:
        live.stream_release(user_id, ticket)

    content: Iterator[str] | AsyncIterator[str]
    if isinstance(request, ASGIRequest):
        content = live.aevents(await live.asubscribe(station.pk), release)
    else:
        content = live.events(live.subscribe(station.pk), release)
    response = StreamingHttpResponse(content, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = (
        orders_visible_to(request.user)
        .prefetch_related("events__actor__profile", "breaches")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        return _order_gone(request, order_id)
    next_steps = DispatchOrder.TRANSITIONS.offered(order.status)
    if order.village_reported_at is None:
        # Standing down is offered once the village has reported that it settled the matter.
        next_steps = [s for s in next_steps if s != "village_confirm"]
    owners = redirect_agencies_for(order.alert.village) if "redirect" in next_steps else []
    whistles = summonses_visible_to(request.user).filter(order=order)
    return render(
        request,
        "stations/order_detail.html",
        {
            "order": order,
            "next_steps": next_steps,
            "owners": owners,
            "whistles": whistles,
            "may_whistle": order.status not in WHISTLE_FINISHED,
        },
    )


def _order_gone(request: HttpRequest, order_id: int) -> HttpResponse:
    """An order one was told of but may no longer open (the commander re-dispatched it to another
    station): say where it went instead of a bare 404. Anyone else gets the 404."""
    link = f"/stations/orders/{order_id}/"
    told = Notification.objects.filter(recipient_id=request.user.pk, link=link).exists()
    # ... and that was moved away: not an old link of one who left the station.
    moved_away = told and AuditEvent.objects.filter(verb="order.redispatch", target_id=str(order_id)).exists()
    moved = (
        DispatchOrder.objects.select_related("station", "alert").filter(pk=order_id).first()
        if moved_away
        else None
    )
    if moved is None:
        raise Http404
    return render(request, "stations/order_moved.html", {"order": moved})


@login_required
@require_POST
def order_take_step(request: HttpRequest, order_id: int) -> HttpResponse:
    """One step button of the order's page: the declared step (its serializer) or, refused, what
    was wrong said above the order."""
    order = get_object_or_404(orders_visible_to(request.user), pk=order_id)
    form = ActionForm(action_named("stations.order.step"), data=request.POST)
    if not form.submit(lambda d: order_step(order=order, actor=request.user, **d)):
        messages.error(request, " ".join(form.all_errors))
    return redirect("stations:order", order_id=order.pk)


# What reaches a desk: a walk-in, the township hotline, a grid worker's or a volunteer's call.
DESK_CHANNELS = [
    (c, label) for c, label in Alert.Channel.choices if c in ("walk_in", "hotline", "grid", "volunteer")
]


@login_required
def alert_new(request: HttpRequest) -> HttpResponse:
    villages = [
        (v.code, f"{v.parent.name if v.parent else ''} {v.name}")
        for v in regions_visible_to(request.user)
        .filter(level=Region.Level.VILLAGE)
        .select_related("parent")[:2000]
    ]
    form = ActionForm(
        action_named("stations.alert.intake"),
        data=request.POST if request.method == "POST" else None,
        initial={
            "channel": Alert.Channel.WALK_IN,
            "village_code": villages[0][0] if len(villages) == 1 else "",
            # Drawn with the form: the same form sent twice is one alert.
            "request_key": uuid.uuid4().hex,
        },
        choices={"channel": DESK_CHANNELS, "village_code": villages},
        # Where a phone or a hotline system knows them; the desk names the village and address.
        exclude=["lng", "lat", "reported_at", "priority"],
        # Without a point, "where" is the village: the service's word on it stands there.
        error_fields={"location": "village_code"},
    )

    def register(d: dict[str, Any]) -> Any:
        values, key = intake_input(d)
        return alert_intake(actor=request.user, idempotency_key=key, **values)

    if form.submit(register):
        messages.success(request, _("Alert registered and dispatched."))
        return redirect("stations:order", order_id=form.result.order.pk)
    return render(
        request, "stations/alert_new.html", {"form": form}, status=form.status if form.is_bound else 200
    )


# --- Commander board -------------------------------------------------------------------------

# A county rarely has more open orders than this; past it the board says so instead of slowing.
BOARD_LIMIT = 300


def _board_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user_may_view_board(user):
        raise Http404
    orders = list(board_orders_for(user)[: BOARD_LIMIT + 1])
    truncated = len(orders) > BOARD_LIMIT
    del orders[BOARD_LIMIT:]
    j = jurisdiction_for(user)
    commands = j.is_superuser or bool(j.paths("orders.command"))
    # Computed here, not per row in the template: the check costs no query. A read-only board (a
    # county administrator's) links only the orders the person may open: one query for all.
    may_open = set(orders_visible_to(user).filter(pk__in=[o.pk for o in orders]).values_list("pk", flat=True))
    for order in orders:
        order.may_redispatch = commands and commands_over(user, order.station, order.alert.village)  # type: ignore[attr-defined]
        order.may_open = order.pk in may_open  # type: ignore[attr-defined]
    counts: dict[str, int] = {
        "open": len(orders),
        "breached": sum(1 for o in orders if getattr(o, "first_breach_due", None) is not None),
        "unrouted": sum(1 for o in orders if o.station_id is None),
    }
    return {
        "orders": orders,
        "truncated": truncated,
        "limit": BOARD_LIMIT,
        "counts": counts,
        "target_stations": (
            list(stations_commanded_by(user).filter(active=True).order_by("name")) if commands else []
        ),
        "read_only": not commands,
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Every open order of the commander's area on one page, breaches first, polled live."""
    return render(request, "stations/board.html", _board_context(request))


@login_required
def board_orders(request: HttpRequest) -> HttpResponse:
    """The board's table, polled every few seconds (htmx)."""
    return render(request, "stations/_board_orders.html", _board_context(request))


@login_required
@require_POST
def order_redispatch_view(request: HttpRequest, order_id: int) -> HttpResponse:
    if not user_may_view_board(request.user):
        raise Http404
    order = get_object_or_404(orders_visible_to(request.user), pk=order_id)
    form = ActionForm(action_named("stations.order.redispatch"), data=request.POST)
    if form.submit(lambda d: order_redispatch(order=order, actor=request.user, **d)):
        messages.success(
            request,
            _("Order #%(id)s sent to %(station)s.") % {"id": order.pk, "station": form.result.station},
        )
    else:
        messages.error(request, " ".join(form.all_errors))
    return redirect("stations:board")


# --- Station map -----------------------------------------------------------------------------


@login_required
def station_map(request: HttpRequest, station_id: int) -> HttpResponse:
    station = _station_or_404(request, station_id)
    return render(
        request,
        "stations/map.html",
        {
            "station": station,
            # Police networks have no internet: no tile layer unless one is served inside.
            "tile_url": getattr(settings, "MAP_TILE_URL", ""),
            "tile_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""),
        },
    )


def _centre(geometry: dict[str, Any]) -> list[float] | None:
    """A point inside-ish the village to pin an order without a location: the area centroid of
    the largest outer ring, else the middle of the bounding box."""
    try:
        rings = [polygon[0] for polygon in polygons_of(geometry) if polygon and len(polygon[0]) >= 3]
    except (KeyError, TypeError, IndexError):
        return None
    best: tuple[float, float, float] | None = None
    for ring in rings:
        a = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x1 * y2 - x2 * y1
            a += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
        if a and (best is None or abs(a) > abs(best[0])):
            best = (a, cx / (3 * a), cy / (3 * a))
    if best is not None:
        return [round(best[1], 6), round(best[2], 6)]
    if not rings:
        return None
    min_lng, min_lat, max_lng, max_lat = bounding_box(geometry)
    return [round((min_lng + max_lng) / 2, 6), round((min_lat + max_lat) / 2, 6)]


@login_required
@require_GET
def station_map_data(request: HttpRequest, station_id: int) -> JsonResponse:
    """GeoJSON of the station's villages (polygons) and its open orders (points); no personal data."""
    station = _station_or_404(request, station_id)
    features: list[dict[str, Any]] = []
    for village in villages_covered_by(station).select_related("parent"):
        if not village.boundary:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": village.boundary,
                "properties": {
                    "kind": "village",
                    "code": village.code,
                    "name": village.name,
                    "township": village.parent.name if village.parent else "",
                },
            }
        )
    for order in open_orders_for_station(station):
        alert = order.alert
        if alert.lng is not None and alert.lat is not None:
            point: list[float] | None = [alert.lng, alert.lat]
            located = "point"
        else:
            point = _centre(alert.village.boundary) if alert.village.boundary else None
            located = "village"
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": point} if point else None,
                "properties": {
                    "kind": "order",
                    "id": order.pk,
                    "summary": alert.summary,
                    "priority": order.priority,
                    "status": str(DispatchOrder.Status(order.status).label),
                    "village": alert.village.name,
                    "located": located,
                    "url": reverse("stations:order", args=[order.pk]),
                },
            }
        )
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, content_type="application/geo+json"
    )


# --- Four full coverages ---------------------------------------------------------------------


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """Which townships and villages of the user's area a station covers, with the percentages."""
    if not user_may_view_coverage(request.user):
        raise Http404
    return render(request, "stations/coverage.html", {"coverage": coverage_for(request.user)})
