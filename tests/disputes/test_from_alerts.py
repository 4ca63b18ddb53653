"""Alerts hand disputes over: the third call about the same matter opens a case with an owner,
later calls attach to it, and an order transferred to a dispute opens one."""

from __future__ import annotations

import pytest

from disputes.models import Dispute
from governance.models import Membership
from stations.models import Alert
from stations.services import alert_intake, order_step
from tests.disputes.factories import world
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role


def call(phone: str = "13800000099", summary: str = "邻居噪音扰民", **kw):
    return alert_intake(
        actor=None,
        channel="110",
        category="dispute",
        summary=summary,
        address=kw.pop("address", "新塘社区3幢"),
        village_code="330802001001",
        caller_name="周七",
        caller_phone=phone,
        **kw,
    )


def test_the_third_call_opens_a_dispute_case_owned_by_the_station_and_the_fourth_attaches(
    django_capture_on_commit_callbacks,
) -> None:
    import datetime as dt

    import time_machine

    w = world()
    station = station_for(w.c)
    t0 = dt.datetime(2026, 5, 1, 20, 0, tzinfo=dt.UTC)
    alerts = []
    for day in range(4):
        with (
            time_machine.travel(t0 + dt.timedelta(days=day * 8), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            alerts.append(call(address=f"新塘社区3幢{day}单元").alert)
    first, second, third, fourth = (Alert.objects.get(pk=a.pk) for a in alerts)
    assert Dispute.objects.count() == 1
    dispute = Dispute.objects.get()
    assert (dispute.channel, dispute.source_alert_id, dispute.owner_agency_id) == (
        "alert",
        third.pk,
        station.police_agency_id,
    )
    assert dispute.village_id == w.c.village_a1.pk
    applicant = dispute.parties.get()
    assert (applicant.role, applicant.masked_phone) == ("applicant", "138****0099")
    assert {first.dispute_id, second.dispute_id, third.dispute_id, fourth.dispute_id} == {dispute.pk}
    assert dispute.events.filter(verb="alert_attached", data__alert=fourth.pk).count() == 1
    # The station's officers see the case they own.
    from disputes.selectors import disputes_visible_to

    assert list(disputes_visible_to(w.officer)) == [dispute]


def test_an_order_transferred_to_a_dispute_opens_a_case(django_capture_on_commit_callbacks) -> None:
    w = world()
    station_for(w.c)
    with django_capture_on_commit_callbacks(execute=True):
        order = call(summary="土地承包纠纷").order
    for step in ("accept", "contact", "arrive"):
        order = order_step(order=order, step=step, actor=w.officer)
    with django_capture_on_commit_callbacks(execute=True):
        order_step(
            order=order, step="transfer", actor=w.officer, transfer_to="dispute", note="转矛盾纠纷调解"
        )
    dispute = Dispute.objects.get()
    assert dispute.source_alert_id == order.alert_id
    assert Alert.objects.get(pk=order.alert_id).dispute_id == dispute.pk
    # Running the hand-over again changes nothing.
    from stations.services.dispute_cases import alert_to_dispute_case

    assert alert_to_dispute_case(alert_id=order.alert_id) == dispute.pk
    assert Dispute.objects.count() == 1
