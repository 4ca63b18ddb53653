"""The publisher cancels a task (claimants told, no penalty), points expire (append-only EXPIRE
entries, oldest points first, nothing twice), and staff unmask a volunteer's data with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from governance.errors import InvalidTransition, PermissionDenied, ValidationFailed
from governance.models import AuditEvent, Notification
from tests.volunteers.factories import active_volunteer, published, world
from volunteers.models import Claim, PointsEntry, Task
from volunteers.selectors import points_balance
from volunteers.services import points_adjust, points_expire, task_cancel, task_claim, volunteer_unmask

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


# --- the publisher cancels ---------------------------------------------------------------------


def test_cancelling_a_task_ends_its_claims_without_penalty_and_tells_the_claimants(
    django_capture_on_commit_callbacks,
):
    w = world()
    task = published(w, capacity=3)
    claims = [task_claim(actor=v.user, task=task) for v in (w.volunteer, active_volunteer(w.team))]

    with django_capture_on_commit_callbacks(execute=True):
        task = task_cancel(actor=w.leader, task=task, reason="暴雨预警，活动取消")

    assert (task.status, task.taken, task.cancel_reason) == ("cancelled", 0, "暴雨预警，活动取消")
    assert [Claim.objects.get(pk=c.pk).status for c in claims] == ["called_off", "called_off"]
    notes = Notification.objects.filter(kind="volunteers.task_cancelled")
    assert notes.count() == 2
    assert "Reason: 暴雨预警，活动取消. Your claim ends without any penalty." in notes.first().body
    assert Claim.objects.filter(status="no_show").count() == 0
    assert AuditEvent.objects.filter(verb="volunteer_task.cancel", reason="暴雨预警，活动取消").count() == 1


def test_cancelling_twice_is_a_no_op_and_tells_nobody_twice(django_capture_on_commit_callbacks):
    w = world()
    task = published(w)
    task_claim(actor=w.volunteer.user, task=task)
    with django_capture_on_commit_callbacks(execute=True):
        task_cancel(actor=w.leader, task=task, reason="取消")
    with django_capture_on_commit_callbacks(execute=True) as second:
        task_cancel(actor=w.leader, task=task, reason="再取消")

    assert second == []
    assert Notification.objects.filter(kind="volunteers.task_cancelled").count() == 1
    assert AuditEvent.objects.filter(verb="volunteer_task.cancel").count() == 1


def test_a_cancel_without_a_reason_is_refused_on_the_reason_field_and_changes_nothing():
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)

    with pytest.raises(ValidationFailed) as refused:
        task_cancel(actor=w.leader, task=task, reason="  ")

    assert refused.value.fields == {"reason": ["Give a reason (at most 300 characters)."]}
    assert Task.objects.get(pk=task.pk).status == "published"
    assert Claim.objects.get(pk=claim.pk).status == "claimed"


def test_a_started_task_cannot_be_cancelled_and_a_volunteer_cannot_cancel_one():
    w = world()
    task = published(w)

    with pytest.raises(PermissionDenied):
        task_cancel(actor=w.volunteer.user, task=task, reason="不想去")
    with (
        time_machine.travel(task.starts_at + dt.timedelta(minutes=1), tick=False),
        pytest.raises(InvalidTransition, match="The task has started"),
    ):
        task_cancel(actor=w.leader, task=task, reason="取消")
    assert Task.objects.get(pk=task.pk).status == "published"


def test_a_back_filled_cancellation_tells_nobody(django_capture_on_commit_callbacks):
    w = world()
    task = published(w)
    task_claim(actor=w.volunteer.user, task=task)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        task_cancel(actor=w.leader, task=task, reason="历史", notify=False)

    assert queued == [] and Notification.objects.filter(kind="volunteers.task_cancelled").count() == 0


def test_the_api_cancels_for_the_leader_and_refuses_a_volunteer_changing_nothing():
    w = world()
    task = published(w)
    api = APIClient()
    api.force_authenticate(w.volunteer.user)
    refused = api.post(f"/api/v1/volunteer-tasks/{task.pk}/cancel/", {"reason": "x"}, format="json")
    api.force_authenticate(w.leader)
    done = api.post(f"/api/v1/volunteer-tasks/{task.pk}/cancel/", {"reason": "场地占用"}, format="json")

    assert refused.status_code == 403
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert done.json()["cancel_reason"] == "场地占用"


def test_a_new_publication_and_a_verification_can_be_back_filled_without_a_notice(
    django_capture_on_commit_callbacks,
):
    from tests.volunteers.factories import task_input
    from volunteers.services import task_publish

    w = world()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        task_publish(actor=w.leader, team=w.team, data=task_input(), notify=False)

    assert queued == [] and Notification.objects.filter(kind="volunteers.task_published").count() == 0


# --- points expiry -----------------------------------------------------------------------------


def credit(w, volunteer, amount, at):
    with time_machine.travel(at, tick=False):
        return points_adjust(actor=w.leader, volunteer=volunteer, amount=amount, reason="测试")


def test_points_older_than_the_period_expire_oldest_first(settings):
    settings.VOLUNTEER_POINTS_EXPIRE_DAYS = 365
    w = world()
    v = w.volunteer
    credit(w, v, 100, NOON)  # old
    credit(w, v, -30, NOON + dt.timedelta(days=10))  # spent from the oldest
    credit(w, v, 50, NOON + dt.timedelta(days=300))  # still young a year after the first

    expired = points_expire(now=NOON + dt.timedelta(days=366))

    assert expired == 70
    entry = PointsEntry.objects.get(kind="expire")
    assert (entry.amount, entry.reason) == (-70, "Points older than 365 days expired.")
    assert points_balance(v.pk) == 50
    assert AuditEvent.objects.filter(verb="volunteer_points.expire").count() == 1


def test_running_the_expiry_again_expires_nothing_more():
    w = world()
    credit(w, w.volunteer, 40, NOON)
    later = NOON + dt.timedelta(days=800)

    first = points_expire(now=later)
    second = points_expire(now=later)

    assert (first, second) == (40, 0)
    assert PointsEntry.objects.filter(kind="expire").count() == 1
    assert points_balance(w.volunteer.pk) == 0


def test_young_points_and_spent_points_do_not_expire():
    w = world()
    spent = active_volunteer(w.team)
    credit(w, w.volunteer, 40, NOON)
    credit(w, spent, 40, NOON)
    credit(w, spent, -40, NOON + dt.timedelta(days=1))

    expired = points_expire(now=NOON + dt.timedelta(days=100))
    spent_expired = points_expire(now=NOON + dt.timedelta(days=1000))

    assert expired == 0
    assert spent_expired == 40  # the volunteer's 40, never the spent ones
    assert list(PointsEntry.objects.filter(kind="expire").values_list("volunteer_id", flat=True)) == [
        w.volunteer.pk
    ]


def test_expiry_can_be_turned_off(settings):
    settings.VOLUNTEER_POINTS_EXPIRE_DAYS = 0
    w = world()
    credit(w, w.volunteer, 40, NOON)

    assert points_expire(now=NOON + dt.timedelta(days=5000)) == 0
    assert PointsEntry.objects.filter(kind="expire").count() == 0


def test_the_beat_runs_the_expiry_every_night():
    from governance.celery import app

    entry = app.conf.beat_schedule["volunteers-points-expire"]

    assert entry["task"] == "volunteers.points_expire"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {40})


# --- unmasking ---------------------------------------------------------------------------------


def test_an_officer_unmasks_a_volunteer_s_phone_with_a_reason_and_it_is_logged():
    w = world()

    value = volunteer_unmask(
        actor=w.officer, volunteer=w.volunteer, field="phone", reason="核实身份，联系本人"
    )

    assert value == "13700001111"
    event = AuditEvent.objects.get(verb="personal_data.unmask")
    assert (event.actor_id, event.target_id, event.reason) == (
        w.officer.pk,
        str(w.volunteer.pk),
        "核实身份，联系本人",
    )
    assert event.changes == {"phone": [None, None]}


@pytest.mark.parametrize("role", ["other_volunteer", "leader", "township_official", "officer_b"])
def test_those_without_the_unmask_right_over_the_team_are_refused_and_nothing_is_logged(role):
    w = world()
    actor = w.other_volunteer.user if role == "other_volunteer" else getattr(w, role)

    with pytest.raises(PermissionDenied):
        volunteer_unmask(actor=actor, volunteer=w.volunteer, field="id_number", reason="看看号码")

    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 0


def test_an_unmask_without_a_reason_is_refused_on_the_reason_field():
    w = world()

    with pytest.raises(ValidationFailed) as refused:
        volunteer_unmask(actor=w.officer, volunteer=w.volunteer, field="phone", reason="看")

    assert refused.value.fields == {
        "reason": ["Give the reason for seeing this data (at least 4 characters)."]
    }
    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 0


def test_the_unmask_api_answers_the_officer_and_is_not_found_for_another_volunteer():
    w = world()
    api = APIClient()
    api.force_authenticate(w.officer)
    shown = api.post(
        f"/api/v1/volunteers/{w.volunteer.pk}/unmask/",
        {"field": "real_name", "reason": "保险登记"},
        format="json",
    )
    api.force_authenticate(w.other_volunteer.user)
    hidden = api.post(
        f"/api/v1/volunteers/{w.volunteer.pk}/unmask/",
        {"field": "real_name", "reason": "好奇一下"},
        format="json",
    )

    assert shown.status_code == 200 and shown.json() == {"field": "real_name", "value": "王志愿"}
    assert shown["Cache-Control"] == "no-store"
    assert hidden.status_code == 404
    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 1
