"""Who hears about an order: station staff of a new order, shift commanders of a breach."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from governance.models import Membership, OutboundChannel
from governance.services.notifications import notification_send
from stations.models import Alert, ClockBreach, DispatchOrder, Station
from stations.selectors import STATION_ROLES, commanders_for, village_responders


def _station_staff(station: Station) -> list[Membership]:
    return list(
        Membership.objects.filter(
            Q(agency_id=station.police_agency_id) | Q(agency__in=station.stationed_agencies.all()),
            role__in=STATION_ROLES,
            active=True,
        )
        .select_related("user")
        .distinct()
    )


def notify_new_order(*, order_id: int) -> int:
    """Put the new order in the inbox of every staff member of its station, and of the village's
    cadres and grid workers. Idempotent."""
    order = DispatchOrder.objects.select_related("alert__village", "station").filter(pk=order_id).first()
    if order is None or order.station is None:
        return 0
    station = order.station
    staff = _station_staff(station)
    sent = 0
    for membership in staff:
        notification_send(
            recipient=membership.user,
            title=_("New order: %(summary)s") % {"summary": order.alert.summary},
            body=f"{order.alert.village.name} · {order.alert.address}",
            link=f"/stations/orders/{order.pk}/",
            kind="order.new",
            # Per station: an order re-dispatched back to a station is news to it again.
            idempotency_key=f"order:{order.pk}:station:{station.pk}:new:{membership.user_id}",
        )
        sent += 1
    # The village hears of a quarrel, a disturbance or a call for help too: its cadre may settle
    # it before the police arrive.
    village = order.alert.village if order.alert.village_may_settle else None
    for membership in village_responders(village) if village is not None else []:
        notification_send(
            recipient=membership.user,
            title=_("Police dispatched to your village: %(summary)s") % {"summary": order.alert.summary},
            body=_("%(address)s. If the village has already settled it, report it here.")
            % {"address": order.alert.address},
            link=f"/stations/village/orders/{order.pk}/",
            kind="order.village",
            idempotency_key=f"order:{order.pk}:village:{membership.user_id}",
        )
        sent += 1
    return sent


def notify_village_report(*, order_id: int) -> int:
    """Tell the station's staff that the village reports it settled the order: call back."""
    order = DispatchOrder.objects.select_related("alert__village", "station").filter(pk=order_id).first()
    if order is None or order.station is None or order.village_reported_at is None:
        return 0
    staff = _station_staff(order.station)
    for membership in staff:
        notification_send(
            recipient=membership.user,
            title=_("The village reports it settled: %(summary)s") % {"summary": order.alert.summary},
            body=_("%(village)s: %(report)s Call back to confirm, then stand down.")
            % {"village": order.alert.village.name, "report": order.village_report},
            link=f"/stations/orders/{order.pk}/",
            kind="order.village_report",
            idempotency_key=f"order:{order.pk}:village_report:{membership.user_id}",
        )
    return len(staff)


def escalate_breach(*, breach_id: int) -> int:
    """Tell the shift commanders covering the village: inbox, and SMS where a gateway is set up."""
    breach = (
        ClockBreach.objects.select_related("order__alert__village", "order__station")
        .filter(pk=breach_id)
        .first()
    )
    if breach is None:
        return 0
    order = breach.order
    channels = list(OutboundChannel.objects.filter(enabled=True, kind=OutboundChannel.Kind.SMS))
    commanders = commanders_for(order.station, order.alert.village)
    for membership in commanders:
        notification_send(
            recipient=membership.user,
            title=_("Clock passed (%(clock)s): %(summary)s")
            % {"clock": ClockBreach.Clock(breach.clock).label, "summary": order.alert.summary},
            body=f"{order.station or _('No station')} · {order.alert.village.name}",
            link=f"/stations/orders/{order.pk}/",
            kind="order.breach",
            idempotency_key=f"breach:{breach.pk}:{membership.user_id}",
            channels=channels,
        )
    return len(commanders)


def escalate_red_risk(*, alert_id: int) -> int:
    """A red-risk alert (risk words, or five calls in 90 days) goes to the shift commanders at once."""
    alert = Alert.objects.select_related("village", "order__station").filter(pk=alert_id).first()
    if alert is None:
        return 0
    order = getattr(alert, "order", None)
    channels = list(OutboundChannel.objects.filter(enabled=True, kind=OutboundChannel.Kind.SMS))
    commanders = commanders_for(order.station if order else None, alert.village)
    for membership in commanders:
        notification_send(
            recipient=membership.user,
            title=_("Red risk: %(summary)s") % {"summary": alert.summary},
            body=f"{alert.village.name} · {'; '.join(alert.risk_reasons)}",
            link=f"/stations/orders/{order.pk}/" if order else "",
            kind="alert.red_risk",
            idempotency_key=f"red:{alert.pk}:{membership.user_id}",
            channels=channels,
        )
    return len(commanders)


def notify_redirect(*, order_id: int) -> int:
    """Tell the people of the owning agency that a matter was handed to them. Idempotent."""
    order = (
        DispatchOrder.objects.select_related("alert__village", "redirected_agency")
        .filter(pk=order_id)
        .first()
    )
    if order is None or order.redirected_agency is None:
        return 0
    members = Membership.objects.filter(agency=order.redirected_agency, active=True).exclude(
        role=Membership.Role.VOLUNTEER
    )
    sent = 0
    for membership in members.select_related("user"):
        notification_send(
            recipient=membership.user,
            title=_("Handed to %(agency)s: %(summary)s")
            % {"agency": order.redirected_agency.name, "summary": order.alert.summary},
            body=f"{order.alert.village.name} · {order.alert.address}",
            link=f"/stations/orders/{order.pk}/",
            kind="order.redirect",
            idempotency_key=f"order:{order.pk}:redirect:{order.redirected_agency_id}:{membership.user_id}",
        )
        sent += 1
    return sent
