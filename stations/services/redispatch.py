"""Re-dispatch: a shift commander moves an open order to another station of the area."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.services.audit import audit_record
from stations.live import publish_order
from stations.models import DispatchOrder, OrderEvent, Station
from stations.selectors import commands_over, user_may_act_on

# OrderEvent.note holds 500 characters, "Re-dispatched to <station>: " included.
REASON_MAX_LENGTH = 400


def _may_command(actor: Actor, order: DispatchOrder, station: Station | None) -> bool:
    # user_may_act_on also lets a station's own staff through; moving an order between
    # stations is the commander's call, hence the orders.command check on top.
    return user_may_act_on(actor, station) and commands_over(actor, station, order.alert.village)


@transaction.atomic
def order_redispatch(
    *, order: DispatchOrder, station: Station | None, actor: Actor, reason: str
) -> DispatchOrder:
    """Move an open order to ``station``. Only a shift commander covering both the station the
    order is at (or its village, while no station has it) and the new station may do it, with a
    reason. The order keeps its status and clocks: the caller's wait does not start again. The
    new station's staff are told after commit. Moving it to where it already is changes nothing,
    so a repeated request is harmless."""
    order = (
        # Lock the order row only (its station may be NULL: an outer join).
        DispatchOrder.objects.select_for_update(of=("self",))
        .select_related("station__region", "alert__village")
        .get(pk=order.pk)
    )
    if not _may_command(actor, order, order.station):
        raise PermissionDenied(_("Only a shift commander of this area may re-dispatch the order."))
    if not order.is_open:
        raise InvalidTransition(
            _("Cannot re-dispatch an order that is %(status)s; only open orders can be moved.")
            % {"status": DispatchOrder.Status(order.status).label}
        )
    reason = reason.strip()
    fields: dict[str, list[str]] = {}
    if station is None:
        fields["station"] = [_("Choose the station to send the order to.")]
    elif not station.active:
        fields["station"] = [_("This station is not active.")]
    if not reason:
        fields["reason"] = [_("Say why the order is moved.")]
    elif len(reason) > REASON_MAX_LENGTH:
        fields["reason"] = [_("At most %(n)d characters.") % {"n": REASON_MAX_LENGTH}]
    if fields:
        raise ValidationFailed(_("The re-dispatch is not valid."), fields=fields)
    assert station is not None
    if station.pk == order.station_id:
        return order
    if not _may_command(actor, order, station):
        raise PermissionDenied(_("The station %(station)s is outside your area.") % {"station": station})
    before = order.station_id
    order.station = station
    order.save(update_fields=["station", "updated_at"])
    OrderEvent.objects.create(
        order=order,
        at=timezone.now(),
        actor=user_of(actor),
        from_status=order.status,
        to_status=order.status,
        note=(_("Re-dispatched to %(station)s: %(reason)s") % {"station": station.name, "reason": reason})[
            :500
        ],
    )
    audit_record(
        actor=actor,
        verb="order.redispatch",
        target=order,
        changes={"station": [before, station.pk]},
        reason=reason,
    )
    on_commit_delay("stations.notify_new_order", order.pk)
    publish_order(station_id=before, order_id=order.pk, status=order.status)
    publish_order(station_id=station.pk, order_id=order.pk, status=order.status, new=True)
    return order
