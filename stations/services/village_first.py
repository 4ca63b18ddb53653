"""Village-first response (村里先处置): an order dispatched to a village is told to its cadres and
grid workers; one of them may report that the village settled the matter before the police came
("你们不用过来，事情我们已经处理了"); the station confirms by calling back (one tap, the
``village_confirm`` step of ``DispatchOrder.TRANSITIONS``) and stands down. The order then counts as
settled by the village in the station's figures and, in a methodology that says so, as a verified
early village-level resolution in the village's peace index."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.actors import Actor, user_of
from governance.background import on_commit_delay
from governance.errors import InvalidTransition, PermissionDenied
from governance.selectors import user_may
from governance.services.audit import audit_record
from stations.live import publish_order
from stations.models import DispatchOrder, OrderEvent

# The report's limit (VillageReportSerializer); OrderEvent keeps 500 characters of a note.
REPORT_MAX_LENGTH = 400
# The capability of a village's cadres and grid workers over the orders of their villages.
VILLAGE_REPORT = "orders.village_report"


def user_may_report_for_village(actor: Actor, order: DispatchOrder) -> bool:
    return user_may(actor, VILLAGE_REPORT, order.alert.village)


@transaction.atomic
def order_village_report(
    *, actor: Actor, order: DispatchOrder, note: str, at: datetime | None = None, notify: bool = True
) -> DispatchOrder:
    """The village says it settled the matter, and how. Once per order: a second report (a
    retried tap, or a colleague's) changes nothing and returns the order as the first left it.
    Refused once the police are on scene or the order is over."""
    order = (
        DispatchOrder.objects.select_for_update(of=("self",))
        .select_related("alert__village")
        .get(pk=order.pk)
    )
    if not user_may_report_for_village(actor, order):
        raise PermissionDenied(_("Only the village's cadres and grid workers report for the village."))
    if order.village_reported_at is not None:
        return order
    if not order.alert.village_may_settle:
        raise InvalidTransition(
            _(
                "The police must attend this one: a village settles quarrels, disturbances and calls for help, never a matter at red risk."
            )
        )
    if order.status not in DispatchOrder.VILLAGE_MAY_SETTLE:
        raise InvalidTransition(
            _("The order is %(status)s: the village reports only before the police are on scene.")
            % {"status": DispatchOrder.Status(order.status).label}
        )
    note = note.strip()
    at = at or timezone.now()
    order.village_reported_at = at
    order.village_reported_by = user_of(actor)
    order.village_report = note
    order.save(update_fields=["village_reported_at", "village_reported_by", "village_report", "updated_at"])
    OrderEvent.objects.create(
        order=order, at=at, actor=user_of(actor), from_status=order.status, to_status=order.status,
        note=(_("The village reports it settled the matter: %(note)s") % {"note": note})[:500],
    )  # fmt: skip
    audit_record(
        actor=actor, verb="order.village_report", target=order, changes={"village_report": [None, note]}
    )
    if notify:  # the demo's history tells nobody
        publish_order(station_id=order.station_id, order_id=order.pk, status=order.status)
        on_commit_delay("stations.notify_village_report", order.pk)
    return order
