"""Races on real PostgreSQL connections: the last slot, overlapping claims, the last item in the
shop, double verification."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
import time_machine

from governance.errors import Conflict
from tests.governance.test_races import race
from tests.volunteers.factories import active_volunteer, published, tomorrow, verified, world
from volunteers.models import Claim, PointsEntry, Redemption, RewardItem, Task
from volunteers.selectors import points_balance
from volunteers.services import (
    claim_verify,
    points_adjust,
    points_expire,
    redemption_reserve,
    reward_item_create,
    task_cancel,
    task_claim,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_last_slot_goes_to_one_volunteer():
    w = world()
    task = published(w, capacity=3)
    task_claim(actor=w.volunteer.user, task=task)
    task_claim(actor=active_volunteer(w.team).user, task=task)
    people = iter([active_volunteer(w.team).user for _ in range(8)])
    results = race(lambda: task_claim(actor=next(people), task=task), n=8)
    assert sum(isinstance(r, Claim) for r in results) == 1
    assert sum(isinstance(r, Conflict) and r.message == "This task is full." for r in results) == 7
    task.refresh_from_db()
    assert task.taken == 3 == Claim.objects.filter(task=task, status="claimed").count()


def test_one_volunteer_claiming_overlapping_tasks_at_once_gets_one():
    w = world()
    tasks = iter([published(w, starts_at=tomorrow(7, 10 * i), title=f"巡逻{i}") for i in range(6)])
    results = race(lambda: task_claim(actor=w.volunteer.user, task=next(tasks)), n=6)
    assert sum(isinstance(r, Claim) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 5
    assert Claim.objects.filter(volunteer=w.volunteer).count() == 1
    assert sum(Task.objects.values_list("taken", flat=True)) == 1


def test_the_last_item_in_the_shop_goes_to_one_volunteer_and_points_are_spent_once():
    w = world()
    buyers = [active_volunteer(w.team) for _ in range(6)]
    for i, v in enumerate(buyers):
        verified(w, published(w, points=30, starts_at=tomorrow(8 + i), title=f"任务{i}"), v)
    item = reward_item_create(actor=w.officer, agency=w.c.station_a, name="雨衣", price=20, stock=1)
    who = iter([v.user for v in buyers])
    results = race(lambda: redemption_reserve(actor=next(who), item=item), n=6)
    assert sum(isinstance(r, Redemption) for r in results) == 1, results
    assert RewardItem.objects.get(pk=item.pk).stock == 0
    assert sum(points_balance(v.pk) for v in buyers) == 6 * 30 - 20


def test_one_volunteer_redeeming_many_times_at_once_never_goes_below_zero():
    w = world()
    verified(w, published(w, points=50))
    item = reward_item_create(actor=w.officer, agency=w.c.station_a, name="手电", price=20, stock=10)
    results = race(lambda: redemption_reserve(actor=w.volunteer.user, item=item), n=6)
    assert sum(isinstance(r, Redemption) for r in results) == 2, results
    assert points_balance(w.volunteer.pk) == 10
    assert RewardItem.objects.get(pk=item.pk).stock == 8


def test_double_verification_credits_once():
    w = world()
    claim = verified(w, published(w))
    Claim.objects.filter(pk=claim.pk).update(status="checked_out", verified_at=None)
    PointsEntry.objects.all().delete()
    counter = itertools.count()
    results = race(lambda: (next(counter), claim_verify(actor=w.leader, claim=claim))[1], n=6)
    assert all(isinstance(r, Claim) for r in results), results
    assert PointsEntry.objects.filter(claim=claim, kind="earn").count() == 1


def test_two_expiry_sweeps_at_once_expire_the_points_once():
    w = world()
    noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(noon, tick=False):
        points_adjust(actor=w.leader, volunteer=w.volunteer, amount=40, reason="测试")
    results = race(lambda: points_expire(now=noon + dt.timedelta(days=800)), n=4)
    assert sorted(results) == [0, 0, 0, 40], results
    assert PointsEntry.objects.filter(kind="expire").count() == 1
    assert points_balance(w.volunteer.pk) == 0


def test_cancelling_while_volunteers_claim_leaves_no_live_claim_on_the_cancelled_task():
    w = world()
    task = published(w, capacity=5)
    users = [active_volunteer(w.team).user for _ in range(5)]
    lock = threading.Lock()
    jobs = iter(
        [lambda: task_cancel(actor=w.leader, task=task, reason="暴雨取消")]
        + [lambda u=u: task_claim(actor=u, task=task) for u in users]
    )

    def next_job():
        with lock:
            job = next(jobs)
        return job()

    results = race(next_job, n=6)
    assert sum(isinstance(r, Task) for r in results) == 1, results
    task.refresh_from_db()
    assert (task.status, task.taken) == ("cancelled", 0)
    assert Claim.objects.filter(task=task, status__in=Claim.LIVE).count() == 0
