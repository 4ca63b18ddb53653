"""Stars from verified hours over twelve months, leaderboards, training certificates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from governance.errors import ValidationFailed
from tests.volunteers.factories import active_volunteer, published, tomorrow, verified, world
from volunteers.models import Claim, Course, QuizQuestion, Volunteer
from volunteers.selectors import star_for, star_progress, team_leaderboard, township_leaderboard
from volunteers.services import quiz_submit, star_recompute
from volunteers.tasks import star_recompute_task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("hours", "star"), [(0, 0), (49.9, 0), (50, 1), (100, 2), (399, 3), (400, 4), (800, 5), (5000, 5)]
)
def test_default_thresholds(hours, star):
    assert star_for(Decimal(str(hours))) == star


def test_thresholds_are_configurable(settings):
    settings.VOLUNTEER_STAR_HOURS = [1, 2, 3, 4, 5]
    assert star_for(Decimal("2.5")) == 2


def _serve(w, volunteer, minutes):
    """Record verified service of ``minutes`` (the verification path is tested elsewhere)."""
    task = published(w, starts_at=tomorrow(9) - dt.timedelta(days=30), title="巡逻")
    claim = verified(w, task, volunteer)
    Claim.objects.filter(pk=claim.pk).update(minutes=minutes)


def test_the_background_recompute_sets_stars_from_hours_in_the_last_year(settings):
    settings.VOLUNTEER_STAR_HOURS = [1, 2, 3, 4, 5]
    w = world()
    with time_machine.travel(tomorrow(0) - dt.timedelta(days=40), tick=False):
        _serve(w, w.volunteer, 150)
    assert star_recompute_task.delay().get() == 1
    w.volunteer.refresh_from_db()
    assert (w.volunteer.star, w.volunteer.hours_12m) == (2, Decimal("2.50"))
    assert star_recompute() == 0
    # A year later the hours fall out of the window.
    with time_machine.travel(timezone.now() + dt.timedelta(days=400), tick=False):
        assert star_recompute() == 1
    w.volunteer.refresh_from_db()
    assert w.volunteer.star == 0


def test_progress_shows_the_next_threshold():
    w = world()
    p = star_progress(w.volunteer, now=timezone.now())
    assert (p.star, p.next_star, p.next_hours, p.balance) == (0, 1, 50, 0)


def test_leaderboards_rank_by_hours_and_mask_names():
    w = world()
    second = active_volunteer(w.team, real_name="孙二")
    with time_machine.travel(tomorrow(0) - dt.timedelta(days=40), tick=False):
        _serve(w, w.volunteer, 60)
    with time_machine.travel(tomorrow(0) - dt.timedelta(days=39), tick=False):
        _serve(w, second, 120)
    board = team_leaderboard(w.team, now=timezone.now())
    assert [(s.masked_name, s.hours) for s in board] == [("孙*", Decimal("2.0")), ("王**", Decimal("1.0"))]
    assert [s.volunteer_id for s in township_leaderboard(w.c.township_a, now=timezone.now())] == [
        second.pk,
        w.volunteer.pk,
    ]
    assert township_leaderboard(w.c.township_b, now=timezone.now())[0].volunteer_id == w.other_volunteer.pk


def test_passing_the_quiz_earns_a_certificate_once_and_a_fail_earns_none():
    w = world()
    course = Course.objects.create(title="防诈骗宣传", pass_mark=50)
    for n in (1, 2):
        QuizQuestion.objects.create(course=course, number=n, text=f"问题{n}", choices=["对", "错"], answer=0)
    assert quiz_submit(actor=w.volunteer.user, course=course, answers=[1, 1]) is None
    with pytest.raises(ValidationFailed):
        quiz_submit(actor=w.volunteer.user, course=course, answers=[0])
    cert = quiz_submit(actor=w.volunteer.user, course=course, answers=[0, 1])
    assert cert is not None and cert.score == 50
    assert quiz_submit(actor=w.volunteer.user, course=course, answers=[0, 0]).pk == cert.pk
    assert Volunteer.objects.get(pk=w.volunteer.pk).certificates.count() == 1
