"""Same event merged, repeat calls flagged, dispute case needed, red risk escalated."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from governance.models import Membership, Notification
from stations.models import Alert, DispatchOrder, OrderEvent
from stations.services import alert_intake
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
T0 = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
# Two points about 100 m apart and one about 330 m away, inside 下张村 (118.88-118.89, 28.97-28.98).
HERE, NEAR, FAR = (118.8850, 28.9750), (118.8860, 28.9752), (118.8850, 28.9780)


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a)
    c.commander = c.person(R.COMMANDER, c.psb)
    return c


def call(at, *, point=None, category="public_order", phone="", summary="有人吵架", address="村道边"):
    with time_machine.travel(at, tick=False):
        lng, lat = point or (None, None)
        return alert_intake(
            actor=None, channel="110", category=category, summary=summary, address=address,
            village_code="330802001002", lng=lng, lat=lat, caller_phone=phone,
        )  # fmt: skip


def test_second_call_about_the_same_event_is_merged_not_dispatched_again(world, run_on_commit):
    with run_on_commit():
        first = call(T0, point=HERE)
        second = call(T0 + dt.timedelta(minutes=10), point=NEAR)
    assert second.alert.duplicate_of == first.alert
    assert second.order.status == DispatchOrder.Status.MERGED
    assert second.order.accept_due is None
    assert Notification.objects.filter(kind="order.new").count() == 1  # only the first woke the station
    assert OrderEvent.objects.filter(
        order=first.order, note=f"duplicate call merged: alert #{second.alert.pk}"
    ).exists()


@pytest.mark.parametrize(
    ("later", "point", "category"),
    [
        (dt.timedelta(minutes=31), NEAR, "public_order"),  # too late to be the same event
        (dt.timedelta(minutes=5), FAR, "public_order"),  # too far
        (dt.timedelta(minutes=5), NEAR, "traffic"),  # another matter
    ],
)
def test_not_the_same_event(world, later, point, category):
    call(T0, point=HERE)
    second = call(T0 + later, point=point, category=category)
    assert second.alert.duplicate_of is None
    assert second.order.status == DispatchOrder.Status.DISPATCHED


def test_same_place_again_within_a_week_is_flagged_and_needs_a_dispute_case(world):
    call(T0, point=HERE)
    again = call(T0 + dt.timedelta(days=3), point=HERE).alert
    assert (again.repeat_count, again.risk_level, again.needs_dispute_case) == (1, "yellow", True)


def test_same_caller_third_time_in_a_month_needs_a_dispute_case(world):
    phone = "13912345678"
    first = call(T0, phone=phone, address="东头").alert
    second = call(T0 + dt.timedelta(days=10), phone=phone, address="西头").alert
    third = call(T0 + dt.timedelta(days=20), phone=phone, address="南头").alert
    assert (first.repeat_count, first.needs_dispute_case) == (0, False)
    assert (second.repeat_count, second.needs_dispute_case) == (1, False)
    assert (third.repeat_count, third.needs_dispute_case) == (2, True)
    assert third.risk_level == "yellow"


def test_fifth_call_in_ninety_days_is_red_and_the_commander_is_told(world, run_on_commit):
    with run_on_commit():
        alerts = [call(T0 + dt.timedelta(days=15 * i), address="王家院子").alert for i in range(5)]
    assert [a.risk_level for a in alerts] == ["", "yellow", "yellow", "yellow", "red"]
    assert "5 calls in 90 days" in alerts[-1].risk_reasons
    red = Notification.objects.filter(kind="alert.red_risk")
    assert list(red.values_list("recipient", flat=True)) == [world.commander.pk]


def test_risk_words_make_the_first_call_red(world, run_on_commit):
    with run_on_commit():
        alert = call(T0, summary="男子持刀威胁邻居").alert
    assert alert.risk_level == Alert.Risk.RED
    assert alert.risk_reasons == ["risk words: 刀, 威胁"]
    assert Notification.objects.filter(kind="alert.red_risk", recipient=world.commander).count() == 1


def test_unrelated_calls_are_not_repeats(world):
    call(T0, address="东头", phone="13912345678")
    other = call(T0 + dt.timedelta(days=1), address="西头", phone="13800001111").alert
    assert (other.repeat_count, other.risk_level, other.needs_dispute_case) == (0, "", False)
