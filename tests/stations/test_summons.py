"""The whistle and report-in (吹哨报到): whistle both ways, check in, handle, verify or reopen,
the overdue sweep, and races on real PostgreSQL connections."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import Agency, AuditEvent, Membership, Notification
from governance.services.people import agency_create
from stations.models import Summons, SummonsTarget
from stations.services import alert_intake
from stations.services.summons import (
    summons_check_in,
    summons_handle,
    summons_reopen,
    summons_sweep,
    summons_verify,
    summons_whistle,
)
from stations.tasks import summons_sweep_task
from tests.governance.factories import county
from tests.governance.test_races import race
from tests.stations.factories import station_for

pytestmark = pytest.mark.django_db
R = Membership.Role
K = Agency.Kind
S = Summons.Status
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def build_world():
    c = county()
    c.station = station_for(c)
    c.officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    c.auxiliary = c.person(R.AUXILIARY, c.station_a, real_name="陈辅警")
    c.volunteer = c.person(R.VOLUNTEER, c.station_a, real_name="刘义警")
    c.grid_worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, real_name="李网格")
    c.market = agency_create(actor=None, name="柯城区市场监管局", kind=K.MARKET_REGULATION, region=c.county)
    c.judicial = agency_create(actor=None, name="荷花司法所", kind=K.JUDICIAL_OFFICE, region=c.township_a)
    c.committee = agency_create(
        actor=None, name="新塘社区居委会", kind=K.VILLAGE_COMMITTEE, region=c.village_a1
    )
    c.inspectors = [c.person(R.TOWNSHIP_OFFICIAL, c.market, real_name=f"市监{i}") for i in range(2)]
    c.mediator = c.person(R.MEDIATOR, c.judicial, real_name="赵调解")
    c.cadre = c.person(R.VILLAGE_CADRE, c.committee, real_name="周书记")
    with time_machine.travel(T0, tick=False):
        c.order = alert_intake(
            actor=None, channel="110", category="dispute", summary="预付卡商家跑路", address="新塘社区商铺",
            village_code=c.village_a1.code,
        ).order  # fmt: skip
    return c


@pytest.fixture
def world():
    return build_world()


def whistle(c, **overrides):
    data = {
        "actor": c.officer,
        "agencies": [c.market, c.judicial],
        "urgency": "emergency",
        "reason": "预付卡商家跑路，三十余名群众聚集",
        "order": c.order,
        "now": T0,
    }
    return summons_whistle(**(data | overrides))


def target_of(summons, agency):
    return SummonsTarget.objects.get(summons=summons, agency=agency)


def inbox(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


# --- Whistle ----------------------------------------------------------------------------------


def test_station_officer_whistles_from_an_order_and_each_agency_is_told(world, run_on_commit):
    with run_on_commit():
        summons = whistle(world)
    assert (summons.status, summons.village, summons.order, summons.whistler) == (
        S.OPEN, world.village_a1, world.order, world.officer,
    )  # fmt: skip
    assert summons.whistler_agency == world.station_a
    targets = list(summons.targets.values_list("agency", "check_in_due"))
    assert targets == [(world.market.pk, T0 + 30 * MINUTE), (world.judicial.pk, T0 + 30 * MINUTE)]
    assert inbox("summons.new") == sorted(u.username for u in [*world.inspectors, world.mediator])
    assert AuditEvent.objects.filter(verb="summons.whistle").count() == 1


def test_grid_worker_whistles_the_police_station_from_the_grid(world, run_on_commit):
    with run_on_commit():
        summons = whistle(
            world, actor=world.grid_worker, agencies=[world.station_a], urgency="routine", order=None,
            village=world.village_a1,
        )  # fmt: skip
    assert (summons.whistler_agency, summons.order) == (world.township_gov_a, None)
    assert target_of(summons, world.station_a).check_in_due == T0 + dt.timedelta(hours=72)
    # Station staff are told; the volunteer of the same police station is not (he cannot answer).
    assert inbox("summons.new") == sorted([world.officer.username, world.auxiliary.username])


def test_police_whistle_the_village_committee(world, run_on_commit):
    with run_on_commit():
        summons = whistle(world, agencies=[world.committee], urgency="routine")
    assert list(summons.targets.values_list("agency", flat=True)) == [world.committee.pk]
    assert inbox("summons.new") == [world.cadre.username]


def test_notifying_twice_sends_nothing_more(world, run_on_commit):
    from stations.services.summons import summons_notify

    summons = whistle(world)
    assert summons_notify(summons_id=summons.pk, wave=0) == 3
    summons_notify(summons_id=summons.pk, wave=0)
    assert Notification.objects.filter(kind="summons.new").count() == 3


def test_volunteer_may_not_whistle_and_nothing_is_written(world):
    with pytest.raises(PermissionDenied) as exc:
        whistle(world, actor=world.volunteer, order=None, village=world.village_a1)
    assert exc.value.message == (
        "Only station staff, grid workers, village cadres and township officials may whistle."
    )
    assert (Summons.objects.count(), SummonsTarget.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(verb__startswith="summons.").exists()


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"agencies": []}, {"agencies": ["Name at least one agency."]}),
        ({"agencies": ["market", "market"]}, {"agencies": ["Each agency may be named once."]}),
        ({"urgency": "whenever"}, {"urgency": ["Choose emergency or routine."]}),
        ({"reason": "   "}, {"reason": ["This field is required."]}),
        ({"reason": "x" * 2001}, {"reason": ["At most 2000 characters."]}),
        (
            {"agencies": ["township_gov_b"]},
            {"agencies": ["航埠镇人民政府 cannot be summoned to this village."]},
        ),
        ({"order": None}, {"village": ["Give the village or the order."]}),
        ({"village": "village_a2"}, {"village": ["The village must be the order's village."]}),
        (
            {"actor": "grid_worker", "order": None, "village": "village_b1", "agencies": ["market"]},
            {"village": ["This village is outside your area."]},
        ),
        ({"actor": "grid_worker"}, {"order": ["You may not act on this order."]}),
        ({"actor": "officer_b"}, {"order": ["You may not act on this order."]}),
    ],
)
def test_invalid_whistle_is_refused_field_by_field_and_writes_nothing(
    world, run_on_commit, overrides, fields
):
    world.officer_b = world.person(R.OFFICER, world.station_b)
    resolved = {}
    for key, value in overrides.items():
        if key == "agencies":
            resolved[key] = [getattr(world, name) for name in value]
        elif isinstance(value, str) and key in ("actor", "village"):
            resolved[key] = getattr(world, value)
        else:
            resolved[key] = value
    with run_on_commit(), pytest.raises(ValidationFailed) as exc:
        whistle(world, **resolved)
    assert (exc.value.message, exc.value.fields) == ("The summons is not valid.", fields)
    assert (Summons.objects.count(), SummonsTarget.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(verb__startswith="summons.").exists()
    assert not Notification.objects.filter(kind__startswith="summons.").exists()


def test_no_whistle_on_a_finished_order(world):
    from stations.services import order_step

    order = world.order
    for step in ("accept", "contact", "arrive", "handle"):
        order = order_step(order=order, step=step, actor=world.officer)
    order = order_step(order=order, step="resolve", actor=world.officer, note="已退款")
    order_step(order=order, step="close", actor=world.officer)
    with pytest.raises(ValidationFailed) as exc:
        whistle(world)
    assert exc.value.fields == {"order": ["Cannot whistle on an order that is Closed."]}
    assert Summons.objects.count() == 0


# --- Check in ---------------------------------------------------------------------------------


def test_member_checks_in_on_time_and_a_second_check_in_is_a_no_op(world):
    summons = whistle(world)
    first, second = world.inspectors
    target = summons_check_in(actor=first, target=target_of(summons, world.market), now=T0 + 10 * MINUTE)
    again = summons_check_in(actor=second, target=target, now=T0 + 12 * MINUTE)
    target.refresh_from_db()
    assert (target.checked_in_at, target.checked_in_by, target.check_in_late) == (
        T0 + 10 * MINUTE,
        first,
        False,
    )
    assert (again.checked_in_at, again.checked_in_by) == (T0 + 10 * MINUTE, first)
    assert AuditEvent.objects.filter(verb="summons.check_in").count() == 1


@pytest.mark.parametrize("who", ["officer", "mediator", "volunteer"])
def test_non_member_may_not_check_in_for_an_agency(world, who):
    summons = whistle(world, agencies=[world.market, world.station_a])
    target = target_of(summons, world.market) if who != "volunteer" else target_of(summons, world.station_a)
    with pytest.raises(PermissionDenied) as exc:
        summons_check_in(actor=getattr(world, who), target=target, now=T0)
    assert exc.value.message == f"Only members of {target.agency.name} may answer for it."
    target.refresh_from_db()
    assert (target.checked_in_at, target.checked_in_by) == (None, None)
    assert not AuditEvent.objects.filter(verb="summons.check_in").exists()


def test_check_in_after_the_deadline_is_flagged_late(world):
    summons = whistle(world)
    with time_machine.travel(T0 + 31 * MINUTE, tick=False):
        target = summons_check_in(actor=world.mediator, target=target_of(summons, world.judicial))
    assert (target.checked_in_at, target.check_in_late) == (T0 + 31 * MINUTE, True)
    assert AuditEvent.objects.get(verb="summons.check_in").changes == {
        "agency": [None, world.judicial.pk],
        "late": [None, True],
    }


# --- Handle, verify, reopen -------------------------------------------------------------------


def test_handling_before_checking_in_is_refused_with_the_reason(world):
    summons = whistle(world)
    target = target_of(summons, world.market)
    with pytest.raises(InvalidTransition) as exc:
        summons_handle(actor=world.inspectors[0], target=target, note="已查封", now=T0)
    assert exc.value.message == (
        "柯城区市场监管局 has not checked in yet; check in before recording what was done."
    )
    target.refresh_from_db()
    assert (target.handled_at, target.note) == (None, "")


def test_handling_needs_a_note(world):
    summons = whistle(world)
    target = summons_check_in(actor=world.mediator, target=target_of(summons, world.judicial), now=T0)
    with pytest.raises(ValidationFailed) as exc:
        summons_handle(actor=world.mediator, target=target, note="  ", now=T0)
    assert exc.value.fields == {"note": ["This field is required."]}
    target.refresh_from_db()
    assert target.handled_at is None


def check_in_and_handle_all(c, summons, at=T0 + 5 * MINUTE):
    for agency, member in ((c.market, c.inspectors[0]), (c.judicial, c.mediator)):
        target = summons_check_in(actor=member, target=target_of(summons, agency), now=at)
        summons_handle(actor=member, target=target, note=f"{agency.name}已处置", now=at + MINUTE)


def test_summons_is_handled_when_every_agency_has_handled_and_the_whistler_is_asked_to_verify(world):
    summons = whistle(world)
    target = summons_check_in(actor=world.mediator, target=target_of(summons, world.judicial), now=T0)
    summons_handle(actor=world.mediator, target=target, note="现场调解", now=T0 + MINUTE)
    assert Summons.objects.get(pk=summons.pk).status == S.OPEN
    assert inbox("summons.handled") == []
    target = summons_check_in(actor=world.inspectors[1], target=target_of(summons, world.market), now=T0)
    handled = summons_handle(actor=world.inspectors[1], target=target, note="责令退款", now=T0 + 2 * MINUTE)
    assert (handled.handled_at, handled.handled_by, handled.note) == (
        T0 + 2 * MINUTE, world.inspectors[1], "责令退款",
    )  # fmt: skip
    assert Summons.objects.get(pk=summons.pk).status == S.HANDLED
    assert inbox("summons.handled") == [world.officer.username]


def test_only_the_whistler_verifies(world):
    summons = whistle(world)
    check_in_and_handle_all(world, summons)
    for outsider in (world.mediator, world.auxiliary, world.grid_worker):
        with pytest.raises(PermissionDenied) as exc:
            summons_verify(actor=outsider, summons=summons)
        assert exc.value.message == "Only the whistler or a shift commander covering the village may do this."
    verified = summons_verify(actor=world.officer, summons=summons, now=T0 + 20 * MINUTE)
    assert (verified.status, verified.verified_at, verified.verified_by) == (
        S.VERIFIED, T0 + 20 * MINUTE, world.officer,
    )  # fmt: skip
    again = summons_verify(actor=world.officer, summons=summons, now=T0 + 25 * MINUTE)
    assert again.verified_at == T0 + 20 * MINUTE
    assert AuditEvent.objects.filter(verb="summons.verify").count() == 1


def test_a_commander_covering_the_village_may_verify(world):
    commander = world.person(R.COMMANDER, world.psb)
    summons = whistle(world)
    check_in_and_handle_all(world, summons)
    assert summons_verify(actor=commander, summons=summons).verified_by == commander


def test_an_open_summons_cannot_be_verified(world):
    summons = whistle(world)
    with pytest.raises(InvalidTransition) as exc:
        summons_verify(actor=world.officer, summons=summons)
    assert exc.value.message == "Cannot verify a summons that is still open: not every agency has handled it."
    assert Summons.objects.get(pk=summons.pk).status == S.OPEN


def test_reopen_clears_the_handling_and_tells_the_agencies_again(world, run_on_commit):
    with run_on_commit():
        summons = whistle(world)
    check_in_and_handle_all(world, summons)
    with run_on_commit():
        reopened = summons_reopen(actor=world.officer, summons=summons, reason="商家仍未退款")
    assert (reopened.status, reopened.reopened_count) == (S.OPEN, 1)
    targets = SummonsTarget.objects.filter(summons=summons)
    assert list(targets.values_list("handled_at", "handled_by")) == [(None, None), (None, None)]
    assert all(t.checked_in_at == T0 + 5 * MINUTE for t in targets)  # the check-ins stand
    assert (
        inbox("summons.reopened")
        == inbox("summons.new")
        == sorted(u.username for u in [*world.inspectors, world.mediator])
    )
    assert AuditEvent.objects.get(verb="summons.reopen").reason == "商家仍未退款"
    # Handled again: the whistler is asked again.
    check_in_and_handle_all(world, summons)
    assert Summons.objects.get(pk=summons.pk).status == S.HANDLED
    assert inbox("summons.handled") == [world.officer.username] * 2


def test_reopen_needs_a_reason_the_whistler_and_a_handled_summons(world):
    summons = whistle(world)
    with pytest.raises(InvalidTransition) as exc:
        summons_reopen(actor=world.officer, summons=summons, reason="未解决")
    assert exc.value.message == "Only a handled summons can be reopened; this one is Open."
    check_in_and_handle_all(world, summons)
    with pytest.raises(PermissionDenied):
        summons_reopen(actor=world.mediator, summons=summons, reason="未解决")
    with pytest.raises(ValidationFailed) as exc2:
        summons_reopen(actor=world.officer, summons=summons, reason=" ")
    assert exc2.value.fields == {"reason": ["This field is required."]}
    assert Summons.objects.get(pk=summons.pk).reopened_count == 0
    assert not AuditEvent.objects.filter(verb="summons.reopen").exists()


# --- The overdue sweep ------------------------------------------------------------------------


def test_sweep_flags_an_overdue_emergency_target_once_and_tells_the_whistler_once(world, run_on_commit):
    summons = whistle(world)
    summons_check_in(actor=world.mediator, target=target_of(summons, world.judicial), now=T0 + 10 * MINUTE)
    routine = whistle(world, agencies=[world.committee], urgency="routine")
    with time_machine.travel(T0 + 30 * MINUTE, tick=False), run_on_commit():
        assert summons_sweep() == 0  # due, not yet passed
    with time_machine.travel(T0 + 31 * MINUTE, tick=False), run_on_commit():
        assert summons_sweep() == 1
        assert summons_sweep_task.delay().get() == 0
    market = target_of(summons, world.market)
    assert (market.check_in_late, market.checked_in_at) == (True, None)
    assert target_of(summons, world.judicial).check_in_late is False
    assert target_of(routine, world.committee).check_in_late is False
    overdue = Notification.objects.filter(kind="summons.overdue")
    assert list(overdue.values_list("recipient", "title")) == [
        (world.officer.pk, "柯城区市场监管局 has not checked in: 预付卡商家跑路，三十余名群众聚集")
    ]
    assert AuditEvent.objects.filter(verb="summons.overdue").count() == 1
    # Checking in late afterwards is recorded, still late.
    market = summons_check_in(actor=world.inspectors[0], target=market, now=T0 + 40 * MINUTE)
    assert (market.checked_in_at, market.check_in_late) == (T0 + 40 * MINUTE, True)


# --- Races on PostgreSQL ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_members_of_one_agency_checking_in_at_once_record_one_check_in():
    c = build_world()
    members = [*c.inspectors, *(c.person(R.TOWNSHIP_OFFICIAL, c.market) for _ in range(4))]
    summons = whistle(c)
    target = target_of(summons, c.market)
    turn = iter(members)
    results = race(lambda: summons_check_in(actor=next(turn), target=target), n=len(members))
    assert all(isinstance(r, SummonsTarget) for r in results), results
    target.refresh_from_db()
    assert target.checked_in_by in members
    assert {r.checked_in_by_id for r in results} == {target.checked_in_by_id}
    assert AuditEvent.objects.filter(verb="summons.check_in").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_last_two_agencies_handling_at_once_leave_the_summons_handled():
    c = build_world()
    summons = whistle(c)
    pairs = [(c.market, c.inspectors[0]), (c.judicial, c.mediator)]
    for agency, member in pairs:
        summons_check_in(actor=member, target=target_of(summons, agency))
    turn = iter(pairs)

    def handle():
        agency, member = next(turn)
        return summons_handle(actor=member, target=target_of(summons, agency), note="已处置")

    results = race(handle, n=2)
    assert all(isinstance(r, SummonsTarget) for r in results), results
    assert Summons.objects.get(pk=summons.pk).status == S.HANDLED
    assert Notification.objects.filter(kind="summons.handled").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_flag_each_target_once():
    c = build_world()
    for _ in range(3):
        whistle(c, now=dt.datetime.now(dt.UTC))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)):
        results = race(summons_sweep, n=4)
    assert sum(results) == 6
    assert SummonsTarget.objects.filter(check_in_late=True).count() == 6
    assert Notification.objects.filter(kind="summons.overdue").count() == 6
