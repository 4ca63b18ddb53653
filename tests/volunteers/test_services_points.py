"""The points ledger and the reward shop: the balance never goes negative, stock never oversold,
cancelled redemptions refund once."""

from __future__ import annotations

import pytest

from governance.errors import Conflict, PermissionDenied, ValidationFailed
from tests.volunteers.factories import published, tomorrow, verified, world
from volunteers.models import PointsEntry, Redemption, RewardItem
from volunteers.selectors import points_balance
from volunteers.services import (
    points_adjust,
    redemption_cancel,
    redemption_collect,
    redemption_reserve,
    reward_item_create,
)

pytestmark = pytest.mark.django_db


def _earn(w, points=30):
    verified(w, published(w, points=points, starts_at=tomorrow(9)))


def _item(w, price=20, stock=1):
    return reward_item_create(actor=w.officer, agency=w.c.station_a, name="保温杯", price=price, stock=stock)


def test_a_redemption_reserves_stock_and_points_in_one_go():
    w = world()
    _earn(w)
    item = _item(w, stock=3)
    r = redemption_reserve(actor=w.volunteer.user, item=item)
    item.refresh_from_db()
    assert (r.status, r.points, item.stock) == (Redemption.Status.RESERVED, 20, 2)
    assert points_balance(w.volunteer.pk) == 10


def test_short_of_points_is_refused_and_changes_nothing():
    w = world()
    _earn(w, points=10)
    item = _item(w)
    with pytest.raises(Conflict, match=r"You have 10 points; this item costs 20\."):
        redemption_reserve(actor=w.volunteer.user, item=item)
    item.refresh_from_db()
    assert item.stock == 1
    assert points_balance(w.volunteer.pk) == 10


def test_out_of_stock_is_refused():
    w = world()
    _earn(w, points=50)
    item = _item(w, stock=1)
    redemption_reserve(actor=w.volunteer.user, item=item)
    with pytest.raises(Conflict, match="out of stock"):
        redemption_reserve(actor=w.volunteer.user, item=item)
    assert points_balance(w.volunteer.pk) == 30


def test_the_same_idempotency_key_redeems_once():
    w = world()
    _earn(w, points=50)
    item = _item(w, stock=5)
    first = redemption_reserve(actor=w.volunteer.user, item=item, idempotency_key="k1")
    assert redemption_reserve(actor=w.volunteer.user, item=item, idempotency_key="k1").pk == first.pk
    assert points_balance(w.volunteer.pk) == 30


def test_collection_by_the_station_and_cancellation_refunds_once():
    w = world()
    _earn(w, points=50)
    item = _item(w, stock=2)
    a = redemption_reserve(actor=w.volunteer.user, item=item)
    b = redemption_reserve(actor=w.volunteer.user, item=item)
    assert redemption_collect(actor=w.officer, redemption=a).status == Redemption.Status.COLLECTED
    redemption_cancel(actor=w.volunteer.user, redemption=b, reason="不要了")
    redemption_cancel(actor=w.volunteer.user, redemption=b)
    item.refresh_from_db()
    assert item.stock == 1
    assert points_balance(w.volunteer.pk) == 30
    assert PointsEntry.objects.filter(kind="refund").count() == 1


def test_only_the_stocking_agency_hands_over():
    w = world()
    _earn(w)
    r = redemption_reserve(actor=w.volunteer.user, item=_item(w))
    for actor in (w.officer_b, w.volunteer.user, w.other_volunteer.user):
        with pytest.raises(PermissionDenied):
            redemption_collect(actor=actor, redemption=r)
    with pytest.raises(PermissionDenied):
        redemption_cancel(actor=w.other_volunteer.user, redemption=r)


def test_an_adjustment_needs_a_reason_and_never_takes_the_balance_below_zero():
    w = world()
    _earn(w, points=10)
    with pytest.raises(ValidationFailed):
        points_adjust(actor=w.leader, volunteer=w.volunteer, amount=5, reason="")
    with pytest.raises(Conflict, match="below zero"):
        points_adjust(actor=w.leader, volunteer=w.volunteer, amount=-11, reason="更正")
    points_adjust(actor=w.leader, volunteer=w.volunteer, amount=-10, reason="更正")
    assert points_balance(w.volunteer.pk) == 0


def test_a_volunteer_cannot_adjust_his_own_points():
    w = world()
    with pytest.raises(PermissionDenied):
        points_adjust(actor=w.volunteer.user, volunteer=w.volunteer, amount=100, reason="自己")


def test_the_ledger_is_the_balance():
    w = world()
    _earn(w, points=40)
    item = _item(w, price=15, stock=2)
    r = redemption_reserve(actor=w.volunteer.user, item=item)
    redemption_cancel(actor=w.officer, redemption=r, reason="缺货")
    redemption_reserve(actor=w.volunteer.user, item=item)
    entries = list(PointsEntry.objects.order_by("id").values_list("kind", "amount"))
    assert entries == [("earn", 40), ("redeem", -15), ("refund", 15), ("redeem", -15)]
    assert points_balance(w.volunteer.pk) == sum(a for _, a in entries) == 25
    assert RewardItem.objects.get(pk=item.pk).stock == 1
