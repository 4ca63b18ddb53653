"""Alert intake, dispatch and the order's life, with their refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from governance.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from governance.models import AuditEvent, Membership, Notification
from stations.models import Alert, DispatchOrder, OrderEvent
from stations.services import alert_intake, order_step
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
S = DispatchOrder.Status
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    c.auxiliary = c.person(R.AUXILIARY, c.station_a, real_name="陈辅警")
    return c


def intake(**overrides):
    data = {
        "actor": None,
        "channel": "110",
        "category": "public_order",
        "summary": "有人在村口打架",
        "address": "新塘社区村口",
        "village_code": "330802001001",
        "caller_phone": "13812345678",
    }
    return alert_intake(**(data | overrides))


def test_alert_is_dispatched_to_the_covering_station_with_1310_clocks(world, run_on_commit):
    with time_machine.travel(T0, tick=False), run_on_commit():
        result = intake(priority=1)
    order = result.order
    assert (order.station, order.status, order.priority) == (world.station, S.DISPATCHED, 1)
    assert (order.accept_due - T0, order.contact_due - T0, order.on_scene_due - T0) == (
        dt.timedelta(seconds=60),
        dt.timedelta(seconds=180),
        dt.timedelta(seconds=600),
    )
    assert result.alert.caller_phone_encrypted and "13812345678" not in result.alert.caller_phone_encrypted
    inbox = Notification.objects.filter(kind="order.new").values_list("recipient__username", flat=True)
    assert sorted(inbox) == sorted([world.officer.username, world.auxiliary.username])


def test_low_priority_alert_has_no_1310_clock(world):
    order = intake(category="help").order
    assert (order.priority, order.accept_due, order.on_scene_due) == (3, None, None)


def test_a_point_is_placed_in_its_village_by_polygon(world):
    alert = intake(village_code="", lng=118.885, lat=28.975).alert
    assert alert.village == world.village_a2


def test_same_idempotency_key_twice_creates_one_alert(world):
    first = intake(idempotency_key="110-20261123-0001")
    second = intake(idempotency_key="110-20261123-0001")
    assert (first.created, second.created) == (True, False)
    assert second.alert.pk == first.alert.pk
    assert Alert.objects.count() == 1


def test_the_same_key_with_another_report_is_refused_and_writes_nothing(world):
    intake(idempotency_key="110-20261123-0001")
    with pytest.raises(IdempotencyKeyReused):
        intake(idempotency_key="110-20261123-0001", summary="再次推送")
    assert Alert.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"village_code": ""}, "location"),
        ({"village_code": "330802001099"}, "village_code"),
        ({"village_code": "", "lng": 100.0, "lat": 20.0}, "location"),
        ({"category": "ufo"}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"summary": "长" * 201}, "summary"),
        ({"summary": "  "}, "summary"),
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"reported_at": T0 + dt.timedelta(hours=1)}, "reported_at"),
        ({"reported_at": T0 - dt.timedelta(days=2)}, "reported_at"),
        ({"priority": 9}, "priority"),
    ],
)
def test_bad_intake_is_refused_per_field_and_writes_nothing(world, overrides, field):
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationFailed) as info:
        intake(**overrides)
    assert field in info.value.fields
    assert Alert.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="alert.intake").exists()


def test_village_without_station_gives_an_unrouted_order(world):
    order = intake(village_code="330802002001").order
    assert order.station is None
    assert order.status == S.DISPATCHED


def test_order_walks_its_whole_life_recording_who_and_when(world):
    with time_machine.travel(T0 - dt.timedelta(minutes=1), tick=False):
        order = intake().order
    steps = ["accept", "contact", "arrive", "handle", "resolve", "close", "follow_up"]
    for i, step in enumerate(steps):
        with time_machine.travel(T0 + dt.timedelta(minutes=i), tick=False):
            order = order_step(
                order=order, step=step, actor=world.officer, note="双方已和解" if step == "resolve" else ""
            )
    assert order.status == S.FOLLOWED_UP
    assert order.accepted_by == world.officer
    assert order.outcome == "双方已和解"
    assert list(OrderEvent.objects.filter(order=order).values_list("to_status", flat=True)) == [
        "dispatched", "accepted", "contacted", "on_scene", "handling", "resolved", "closed", "followed_up",
    ]  # fmt: skip
    assert AuditEvent.objects.filter(verb__startswith="order.", target_id=str(order.pk)).count() == 8


def test_on_scene_before_accepted_is_refused_with_the_reason(world):
    order = intake().order
    with pytest.raises(InvalidTransition) as info:
        order_step(order=order, step="arrive", actor=world.officer)
    assert info.value.message == (
        "Cannot mark on scene an order that is Dispatched; it must be Parties contacted first."
    )
    assert DispatchOrder.objects.get(pk=order.pk).status == S.DISPATCHED


def test_accepting_twice_is_a_no_op_and_a_second_officer_is_told_who_accepted(world):
    order = intake().order
    with time_machine.travel(T0, tick=False):
        order_step(order=order, step="accept", actor=world.officer)
        order_step(order=order, step="accept", actor=world.officer)
    assert OrderEvent.objects.filter(order=order, to_status="accepted").count() == 1
    with pytest.raises(Conflict) as info:
        order_step(order=order, step="accept", actor=world.auxiliary)
    assert info.value.message == "Already accepted by 王警官 at 09:00:00."


def test_resolve_needs_an_outcome_and_transfer_a_target(world):
    order = intake().order
    for step in ("accept", "contact", "arrive", "handle"):
        order = order_step(order=order, step=step, actor=world.officer)
    with pytest.raises(ValidationFailed) as info:
        order_step(order=order, step="resolve", actor=world.officer)
    assert list(info.value.fields) == ["note"]
    with pytest.raises(ValidationFailed) as info:
        order_step(order=order, step="transfer", actor=world.officer, note="转调解")
    assert list(info.value.fields) == ["transfer_to"]
    order = order_step(
        order=order, step="transfer", actor=world.officer, note="转矛盾纠纷调解", transfer_to="dispute"
    )
    assert (order.status, order.transferred_to) == (S.TRANSFERRED, "dispute")


def test_staff_of_another_station_cannot_act_on_the_order(world):
    station_for(world, township="b")
    other = world.person(R.OFFICER, world.station_b)
    order = intake().order
    with pytest.raises(PermissionDenied):
        order_step(order=order, step="accept", actor=other)
    assert DispatchOrder.objects.get(pk=order.pk).status == S.DISPATCHED


def test_commander_of_the_county_may_act(world):
    commander = world.person(R.COMMANDER, world.psb)
    order = order_step(order=intake().order, step="accept", actor=commander)
    assert order.accepted_by == commander
