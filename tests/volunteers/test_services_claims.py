"""Claiming, cancelling, withdrawing after a change, no-shows, check-in and check-out on site, and
verification that credits the points once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from governance.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import Notification
from tests.volunteers.factories import LAT, LNG, active_volunteer, published, tomorrow, verified, world
from volunteers.models import Certificate, Claim, Course, PointsEntry, Task, Volunteer
from volunteers.selectors import points_balance, tasks_open_for
from volunteers.services import (
    claim_cancel,
    claim_check_in,
    claim_check_out,
    claim_no_show,
    claim_verify,
    claim_withdraw,
    reminder_sweep,
    task_claim,
    task_edit,
    volunteer_suspend,
)

pytestmark = pytest.mark.django_db
C = Claim.Status


def test_a_claim_takes_a_slot_and_claiming_again_returns_it():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    again = task_claim(actor=w.volunteer.user, task=task)
    assert again.pk == claim.pk
    task.refresh_from_db()
    assert (task.taken, task.free) == (1, 1)


def test_a_full_task_says_so():
    w = world()
    task = published(w)
    task_claim(actor=w.volunteer.user, task=task)
    task_claim(actor=active_volunteer(w.team).user, task=task)
    with pytest.raises(Conflict, match=r"This task is full\."):
        task_claim(actor=active_volunteer(w.team).user, task=task)
    assert Claim.objects.filter(task=task).count() == 2


def test_overlapping_claims_are_refused_and_adjacent_ones_allowed():
    w = world()
    first = published(w, starts_at=tomorrow(7), title="早班")
    overlapping = published(w, starts_at=tomorrow(7, 30), title="重叠")
    adjacent = published(w, starts_at=tomorrow(8), title="接班")
    task_claim(actor=w.volunteer.user, task=first)
    with pytest.raises(Conflict, match="This overlaps “早班”"):
        task_claim(actor=w.volunteer.user, task=overlapping)
    assert task_claim(actor=w.volunteer.user, task=adjacent).status == C.CLAIMED


def test_a_shift_checked_out_of_no_longer_blocks_an_overlapping_one():
    w = world()
    first = published(w, starts_at=tomorrow(7), title="早班")
    later = published(w, starts_at=tomorrow(7, 30), title="重叠")
    claim = task_claim(actor=w.volunteer.user, task=first)
    with time_machine.travel(tomorrow(7, 5), tick=False):
        assert later not in tasks_open_for(w.volunteer, now=timezone.now())  # he holds 早班
        claim_check_in(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT)
        claim_check_out(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT)  # called away early
        assert later in tasks_open_for(w.volunteer, now=timezone.now())
        assert task_claim(actor=w.volunteer.user, task=later).status == C.CLAIMED
    claim.refresh_from_db()
    assert (claim.status, claim.minutes) == (C.CHECKED_OUT, 0)
    assert claim.check_out_distance_m == 0 and claim.check_in_received_at is not None


def test_a_suspended_volunteer_cannot_claim():
    w = world()
    volunteer_suspend(actor=w.leader, volunteer=w.volunteer, reason="纪律")
    with pytest.raises(PermissionDenied, match="Only active volunteers"):
        task_claim(actor=w.volunteer.user, task=published(w))


def test_another_teams_volunteer_cannot_claim():
    w = world()
    with pytest.raises(PermissionDenied, match="another team"):
        task_claim(actor=w.other_volunteer.user, task=published(w))


def test_star_level_and_course_are_required_when_the_task_says_so():
    w = world()
    with pytest.raises(PermissionDenied, match="needs 2 stars"):
        task_claim(actor=w.volunteer.user, task=published(w, min_star=2))
    course = Course.objects.create(title="防汛知识")
    task = published(w, required_course=course, starts_at=tomorrow(10))
    with pytest.raises(PermissionDenied, match="防汛知识"):
        task_claim(actor=w.volunteer.user, task=task)
    Certificate.objects.create(volunteer=w.volunteer, course=course, score=100, issued_at=tomorrow())
    assert task_claim(actor=w.volunteer.user, task=task).status == C.CLAIMED


def test_the_open_list_shows_only_what_the_volunteer_may_take(django_assert_num_queries):
    w = world()
    mine = published(w, starts_at=tomorrow(7), title="已领")
    open_ = published(w, starts_at=tomorrow(12), title="可领")
    published(w, starts_at=tomorrow(7, 30), title="重叠")
    published(w, starts_at=tomorrow(14), title="高星", min_star=3)
    published(w, team=w.other_team, actor=w.officer_b, title="外队")
    full = published(w, starts_at=tomorrow(16), title="满员")
    task_claim(actor=active_volunteer(w.team).user, task=full)
    task_claim(actor=active_volunteer(w.team).user, task=full)
    task_claim(actor=w.volunteer.user, task=mine)
    with django_assert_num_queries(1):
        titles = [t.title for t in tasks_open_for(w.volunteer, now=tomorrow(0))]
    assert titles == [open_.title]


def test_cancel_before_the_cutoff_frees_the_slot_and_after_it_is_refused():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    early = time_machine.travel(task.starts_at - dt.timedelta(hours=1), tick=False)
    with early, pytest.raises(InvalidTransition, match="up to 2 hours before"):
        claim_cancel(actor=w.volunteer.user, claim=claim)
    with time_machine.travel(task.starts_at - dt.timedelta(hours=3), tick=False):
        claim = claim_cancel(actor=w.volunteer.user, claim=claim)
        assert claim_cancel(actor=w.volunteer.user, claim=claim).status == C.CANCELLED
    task.refresh_from_db()
    assert task.taken == 0


def test_a_change_of_time_notifies_claimants_who_may_withdraw_without_penalty(
    django_capture_on_commit_callbacks,
):
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    with django_capture_on_commit_callbacks(execute=True):
        task_edit(actor=w.leader, task=task, changes={"starts_at": tomorrow(6), "ends_at": tomorrow(7)})
    note = Notification.objects.get(recipient=w.volunteer.user, kind="volunteers.task_changed")
    assert "withdraw without penalty" in note.body
    with time_machine.travel(tomorrow(5, 30), tick=False):
        claim = claim_withdraw(actor=w.volunteer.user, claim=claim)
    assert claim.status == C.WITHDRAWN
    task.refresh_from_db()
    assert task.taken == 0


def test_a_change_of_points_alone_is_not_a_reason_to_withdraw():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    task_edit(actor=w.leader, task=task, changes={"points": 20})
    with pytest.raises(InvalidTransition, match="has not changed"):
        claim_withdraw(actor=w.volunteer.user, claim=claim)


def test_the_capacity_cannot_drop_below_the_slots_taken_nor_below_two():
    w = world()
    task = published(w, capacity=3)
    task_claim(actor=w.volunteer.user, task=task)
    task_claim(actor=active_volunteer(w.team).user, task=task)
    with pytest.raises(ValidationFailed) as err:
        task_edit(actor=w.leader, task=task, changes={"capacity": 1})
    assert err.value.fields["capacity"] == ["Volunteers work in pairs: at least two people."]


def test_check_in_too_far_away_is_refused_with_the_distance():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    with time_machine.travel(task.starts_at, tick=False), pytest.raises(ValidationFailed) as err:
        claim_check_in(actor=w.volunteer.user, claim=claim, lng=LNG + 0.01, lat=LAT)
    assert err.value.message == "You are 973 m from the task place; come within 300 m."
    claim.refresh_from_db()
    assert claim.status == C.CLAIMED


def test_an_offline_check_in_keeps_the_time_it_was_made():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    made = task.starts_at + dt.timedelta(minutes=2)
    with time_machine.travel(task.starts_at + dt.timedelta(minutes=40), tick=False):
        claim = claim_check_in(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT, client_at=made)
    assert claim.checked_in_at == made
    assert claim.check_in_received_at == task.starts_at + dt.timedelta(minutes=40)


def test_check_in_opens_half_an_hour_before_the_start():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    early = time_machine.travel(task.starts_at - dt.timedelta(minutes=31), tick=False)
    with early, pytest.raises(InvalidTransition, match="opens 30 minutes"):
        claim_check_in(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT)


def test_only_the_claimant_checks_in():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    with time_machine.travel(task.starts_at, tick=False), pytest.raises(PermissionDenied):
        claim_check_in(actor=w.leader, claim=claim, lng=LNG, lat=LAT)


def test_verification_credits_points_exactly_once(django_capture_on_commit_callbacks):
    w = world()
    task = published(w)
    with django_capture_on_commit_callbacks(execute=True):
        claim = verified(w, task)
    assert claim.minutes == 60
    again = claim_verify(actor=w.leader, claim=claim)
    assert again.status == C.VERIFIED
    assert list(PointsEntry.objects.filter(volunteer=w.volunteer).values_list("kind", "amount")) == [
        ("earn", 10)
    ]
    assert points_balance(w.volunteer.pk) == 10
    assert Notification.objects.filter(recipient=w.volunteer.user, kind="volunteers.verified").count() == 1


def test_minutes_count_only_inside_the_task_window():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    with time_machine.travel(task.starts_at - dt.timedelta(minutes=20), tick=False):
        claim_check_in(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT)
    with time_machine.travel(task.ends_at + dt.timedelta(minutes=30), tick=False):
        claim = claim_check_out(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT)
    assert claim.minutes == 60


def test_verification_before_check_out_or_by_another_station_is_refused():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    with pytest.raises(InvalidTransition):
        claim_verify(actor=w.leader, claim=claim)
    with pytest.raises(PermissionDenied):
        claim_verify(actor=w.officer_b, claim=claim)
    assert PointsEntry.objects.count() == 0


def test_the_fifth_no_show_in_a_year_suspends():
    w = world()
    for i in range(5):
        task = published(w, starts_at=tomorrow(6 + 2 * i), title=f"巡逻{i}")
        claim = task_claim(actor=w.volunteer.user, task=task)
        with time_machine.travel(task.ends_at, tick=False):
            claim_no_show(actor=w.leader, claim=claim)
        w.volunteer.refresh_from_db()
        assert w.volunteer.status == (Volunteer.Status.SUSPENDED if i == 4 else Volunteer.Status.ACTIVE)
    assert w.volunteer.status_reason == "5 no-shows in twelve months."


def test_no_show_before_the_start_is_refused():
    w = world()
    claim = task_claim(actor=w.volunteer.user, task=published(w))
    with pytest.raises(InvalidTransition):
        claim_no_show(actor=w.leader, claim=claim)


def test_a_started_task_cannot_be_claimed():
    w = world()
    task = published(w)
    with time_machine.travel(task.starts_at, tick=False), pytest.raises(InvalidTransition):
        task_claim(actor=w.volunteer.user, task=task)
    assert Task.objects.get(pk=task.pk).taken == 0


def test_claimants_are_reminded_once_an_hour_before_the_start(django_capture_on_commit_callbacks):
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    cancelled = task_claim(actor=active_volunteer(w.team).user, task=task)
    with time_machine.travel(task.starts_at - dt.timedelta(hours=3), tick=False):
        claim_cancel(actor=cancelled.volunteer.user, claim=cancelled)
    with time_machine.travel(task.starts_at - dt.timedelta(minutes=61), tick=False):
        assert reminder_sweep() == 0
    with time_machine.travel(task.starts_at - dt.timedelta(minutes=55), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert reminder_sweep() == 1
        assert reminder_sweep() == 0
    note = Notification.objects.get(kind="volunteers.reminder")
    assert (note.recipient_id, note.title) == (claim.volunteer.user_id, "Soon: 新塘小学护学岗")
