"""Publishing tasks and generating the occurrences of recurring ones."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from governance.errors import PermissionDenied, ValidationFailed
from governance.models import Notification
from tests.volunteers.factories import published, task_input, world
from volunteers.models import Task
from volunteers.services import occurrences_generate, occurrences_sweep, task_publish

pytestmark = pytest.mark.django_db
# Monday 2 March 2026, 07:00 in Shanghai.
MONDAY = timezone.make_aware(dt.datetime(2026, 3, 2, 7, 0))


def test_a_task_needs_at_least_two_people():
    w = world()
    with pytest.raises(ValidationFailed) as err:
        task_publish(actor=w.leader, team=w.team, data=task_input(capacity=1))
    assert err.value.fields == {"capacity": ["Volunteers work in pairs: at least two people."]}


def test_only_managers_of_the_team_publish():
    w = world()
    for actor in (w.volunteer.user, w.officer_b):
        with pytest.raises(PermissionDenied):
            task_publish(actor=actor, team=w.team, data=task_input())
    for actor in (w.leader, w.officer, w.township_official, w.county_admin):
        task_publish(actor=actor, team=w.team, data=task_input())
    assert Task.objects.count() == 4


def test_the_same_key_publishes_once():
    w = world()
    a, created = task_publish(actor=w.leader, team=w.team, data=task_input(), idempotency_key="t1")
    b, again = task_publish(actor=w.leader, team=w.team, data=task_input(), idempotency_key="t1")
    assert (a.pk, created, again) == (b.pk, True, False)


def test_the_teams_active_volunteers_hear_of_a_new_task(django_capture_on_commit_callbacks):
    w = world()
    with django_capture_on_commit_callbacks(execute=True):
        published(w)
    assert list(
        Notification.objects.filter(kind="volunteers.task_published").values_list("recipient", flat=True)
    ) == [w.volunteer.user_id]


def test_school_gate_duty_repeats_on_school_days_only_and_generation_is_idempotent(settings):
    settings.VOLUNTEER_NO_SCHOOL_DATES = ["2026-03-04"]
    w = world()
    with time_machine.travel(MONDAY - dt.timedelta(days=1), tick=False):
        task = published(w, starts_at=MONDAY, recurrence="school_days", repeat_until=dt.date(2026, 3, 10))
        made = occurrences_generate(task_id=task.pk)
        assert occurrences_generate(task_id=task.pk) == 0
        assert occurrences_sweep() == 0
    days = [timezone.localtime(t.starts_at).strftime("%a %d") for t in Task.objects.filter(series=task)]
    assert days == ["Tue 03", "Thu 05", "Fri 06", "Mon 09", "Tue 10"]
    assert made == 5
    assert {timezone.localtime(t.starts_at).hour for t in Task.objects.filter(series=task)} == {7}


def test_a_recurring_task_needs_an_end_date():
    w = world()
    with pytest.raises(ValidationFailed) as err:
        task_publish(actor=w.leader, team=w.team, data=task_input(recurrence="weekly"))
    assert set(err.value.fields) == {"repeat_until"}
