"""Races on real PostgreSQL connections: one winner."""

from __future__ import annotations

import pytest

from governance.errors import Conflict
from governance.models import Membership, Notification
from stations.models import Alert, ClockBreach, DispatchOrder
from stations.services import alert_intake, order_step, sla_sweep
from tests.governance.factories import county
from tests.governance.test_races import race
from tests.stations.factories import station_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
R = Membership.Role


def make_alert(**kw):
    return alert_intake(
        actor=None,
        channel="110",
        category="criminal",
        summary="抢劫",
        village_code="330802001001",
        **({"address": "村口"} | kw),
    )


def test_two_officers_accepting_at_once_one_wins_the_other_is_told():
    c = county()
    station_for(c)
    officers = [c.person(R.OFFICER, c.station_a, real_name=f"警官{i}") for i in range(6)]
    order = make_alert().order
    turn = iter(officers)
    results = race(lambda: order_step(order=order, step="accept", actor=next(turn)), n=6)
    winners = [r for r in results if isinstance(r, DispatchOrder)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 5)
    accepted_by = DispatchOrder.objects.get(pk=order.pk).accepted_by
    assert all(accepted_by.profile.real_name in str(exc) for exc in losers)


def test_concurrent_intake_with_one_key_makes_one_alert():
    c = county()
    station_for(c)
    results = race(lambda: make_alert(idempotency_key="hotline-77"), n=8)
    assert all(not isinstance(r, Exception) for r in results), results
    assert Alert.objects.count() == 1
    assert sum(r.created for r in results) == 1


def test_overlapping_sweeps_escalate_each_breach_once():
    import datetime as dt

    import time_machine

    c = county()
    station_for(c)
    c.person(R.COMMANDER, c.psb)
    for i in range(5):
        make_alert(address=f"村口{i}号")  # distinct places: not merged as one event
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        results = race(sla_sweep, n=4)
    assert sum(results) == 5
    assert ClockBreach.objects.count() == 5
    assert Notification.objects.filter(kind="order.breach").count() == 5
