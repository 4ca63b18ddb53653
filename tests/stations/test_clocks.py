"""The 1310 clocks with frozen time: each breach is recorded and escalated exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from governance.models import Membership, Notification, OutboundChannel, OutboundMessage
from stations.models import ClockBreach, SlaProfile
from stations.services import alert_intake, order_step, sla_sweep
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a)
    c.commander = c.person(R.COMMANDER, c.psb, phone="13900001111")
    return c


def p1(village_code="330802001001"):
    with time_machine.travel(T0, tick=False):
        return alert_intake(
            actor=None, channel="110", category="criminal", summary="入室盗窃", address="村东头",
            village_code=village_code,
        ).order  # fmt: skip


def sweep_at(seconds: float) -> int:
    with time_machine.travel(T0 + dt.timedelta(seconds=seconds), tick=False):
        return sla_sweep()


def test_nothing_breaches_before_the_deadline(world, run_on_commit):
    p1()
    with run_on_commit():
        assert sweep_at(59) == 0
    assert ClockBreach.objects.count() == 0


def test_unaccepted_order_breaches_at_one_minute_and_escalates_once(world, run_on_commit, http_server):
    OutboundChannel.objects.create(name="sms", kind="sms", endpoint=http_server.url + "/sms")
    order = p1()
    with run_on_commit():
        assert sweep_at(61) == 1
        assert sweep_at(62) == 0
    breach = ClockBreach.objects.get()
    assert (breach.order, breach.clock, breach.due_at) == (order, "accept", T0 + dt.timedelta(seconds=60))
    inbox = Notification.objects.filter(kind="order.breach")
    assert list(inbox.values_list("recipient", flat=True)) == [world.commander.pk]
    assert OutboundMessage.objects.get().address == "13900001111"
    assert [r.body["phone"] for r in http_server.requests] == ["13900001111"]


def test_each_clock_breaches_on_its_own(world, run_on_commit):
    order = p1()
    with run_on_commit():
        sweep_at(61)
        with time_machine.travel(T0 + dt.timedelta(seconds=90), tick=False):
            order_step(order=order, step="accept", actor=world.officer)
        assert sweep_at(181) == 1  # contact clock
        assert sweep_at(601) == 1  # on-scene clock
        assert sweep_at(700) == 0
    assert sorted(ClockBreach.objects.values_list("clock", flat=True)) == ["accept", "contact", "on_scene"]
    assert Notification.objects.filter(kind="order.breach").count() == 3


def test_a_step_taken_late_is_recorded_as_a_breach_for_the_statistics(world, run_on_commit):
    order = p1()
    with run_on_commit():
        with time_machine.travel(T0 + dt.timedelta(seconds=75), tick=False):
            order_step(order=order, step="accept", actor=world.officer)
        assert sweep_at(76) == 0
    assert list(ClockBreach.objects.values_list("clock", "detected_at")) == [
        ("accept", T0 + dt.timedelta(seconds=75))
    ]
    assert not Notification.objects.filter(kind="order.breach").exists()  # handled already; nobody to wake


def test_closed_order_does_not_breach(world, run_on_commit):
    order = p1()
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        for step in ("accept", "contact", "arrive"):
            order = order_step(order=order, step=step, actor=world.officer)
    with run_on_commit():
        assert sweep_at(3600) == 0


def test_county_profile_and_rural_on_scene_limit_are_used(world):
    SlaProfile.objects.create(
        county=world.county, priority=1, accept_seconds=120, contact_seconds=300, on_scene_seconds=900,
        rural_on_scene_seconds=1500,
    )  # fmt: skip
    urban = p1("330802001001")
    rural = p1("330802001002")
    assert urban.accept_due - T0 == dt.timedelta(seconds=120)
    assert urban.on_scene_due - T0 == dt.timedelta(seconds=900)
    assert rural.on_scene_due - T0 == dt.timedelta(seconds=1500)
