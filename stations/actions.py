"""Every write of the stations app that a person or a system performs, declared once: its input
(the serializer the API validates and the page renders), the service, who may, the state row that
offers it, the API operation and the page. See ``governance.actions``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.actions import Action, declare
from stations.api.roster import DutyShiftInputSerializer
from stations.api.serializers import AlertIntakeSerializer, RedispatchSerializer, StepSerializer
from stations.api.summons import (
    SummonsAnswerSerializer,
    SummonsHandleSerializer,
    SummonsReopenSerializer,
    SummonsWhistleSerializer,
)
from stations.api.village import VillageReportSerializer
from stations.models import DispatchOrder, Summons
from stations.services import alert_intake, order_step
from stations.services.redispatch import order_redispatch
from stations.services.roster import duty_shift_add, duty_shift_remove
from stations.services.summons import (
    summons_check_in,
    summons_handle,
    summons_reopen,
    summons_verify,
    summons_whistle,
)
from stations.services.village_first import order_village_report

declare(
    Action(
        name="stations.alert.intake",
        label=_("Register the alert"),
        input=AlertIntakeSerializer,
        service=alert_intake,
        right="anyone whose area covers the village (the desk, a grid worker)",
        api="alert-list",
        page="stations:alert-new",
    ),
    Action(
        name="stations.alert.grid_report",
        label=_("Send the report"),
        input=AlertIntakeSerializer,
        service=alert_intake,
        right="grid workers, village cadres and township officials, in their area",
        api="alert-list",
        page="stations:grid-report",
    ),
    Action(
        name="stations.alert.intake_open311",
        label=_("Report through Open311"),
        input=None,  # GeoReport v2's own form fields, read by stations.open311
        service=alert_intake,
        right="an integrating system with an active key, for its agency's area",
        api="open311:requests",
        systems_only=True,
    ),
    Action(
        name="stations.order.step",
        label=_("Take the order's next step"),
        input=StepSerializer,
        service=order_step,
        right="staff of the order's station (the owning agency closes a redirected order)",
        api="order-step",
        page="stations:order-step",
        transition=(DispatchOrder, "accept"),  # every step: DispatchOrder.TRANSITIONS
    ),
    Action(
        name="stations.order.redispatch",
        label=_("Re-dispatch"),
        input=RedispatchSerializer,
        service=order_redispatch,
        right="a shift commander covering both the order's station (or village) and the new one",
        api="order-redispatch",
        page="stations:order-redispatch",
    ),
    Action(
        name="stations.order.village_report",
        label=_("The village settled it"),
        input=VillageReportSerializer,
        service=order_village_report,
        right="the cadres and grid workers of the order's village, before the police are on scene",
        api="village-order-report",
        page="stations:village-order-report",
    ),
    Action(
        name="stations.shift.add",
        label=_("Add to the roster"),
        input=DutyShiftInputSerializer,
        service=duty_shift_add,
        right="the station's staff, or a shift commander covering it; the person is station staff",
        api="duty-shift-list",
        page="stations:roster",
    ),
    Action(
        name="stations.shift.remove",
        label=_("Remove"),
        input=None,
        service=duty_shift_remove,
        right="the station's staff, or a shift commander covering it; a shift not yet ended",
        api="duty-shift-detail",
        page="stations:roster-remove",
    ),
    Action(
        name="stations.summons.whistle",
        label=_("Blow the whistle"),
        input=SummonsWhistleSerializer,
        service=summons_whistle,
        right="station staff on an order; grid workers, village cadres, township officials in their area",
        api="summons-list",
        page="stations:order-whistle",
    ),
    Action(
        name="stations.summons.whistle_grid",
        label=_("Blow the whistle"),
        input=SummonsWhistleSerializer,
        service=summons_whistle,
        right="grid workers, village cadres and township officials, in their area",
        api="summons-list",
        page="stations:grid-whistle",
    ),
    Action(
        name="stations.summons.check_in",
        label=_("Check in"),
        input=SummonsAnswerSerializer,
        service=summons_check_in,
        right="members of a summoned agency (volunteers excepted)",
        api="summons-check-in",
        page="stations:grid-check-in",
        transition=(Summons, "check_in"),
    ),
    Action(
        name="stations.summons.handle",
        label=_("Record what was done"),
        input=SummonsHandleSerializer,
        service=summons_handle,
        right="members of a summoned agency that checked in",
        api="summons-handle",
        page="stations:grid-handle",
        transition=(Summons, "handle"),
    ),
    Action(
        name="stations.summons.verify",
        label=_("Verify the outcome"),
        input=None,
        service=summons_verify,
        right="the whistler, or a shift commander covering the village",
        api="summons-verify",
        page="stations:summons-verify",
        transition=(Summons, "verify"),
    ),
    Action(
        name="stations.summons.reopen",
        label=_("Reopen the whistle"),
        input=SummonsReopenSerializer,
        service=summons_reopen,
        right="the whistler, or a shift commander covering the village",
        api="summons-reopen",
        page="stations:summons-reopen",
        transition=(Summons, "reopen"),
    ),
)

# The keys of integrating systems (Open311 clients) are declared in their own module.
from stations import actions_integrations  # noqa: E402, F401
