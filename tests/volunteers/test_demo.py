"""The demo county gets a volunteer team per police station, the volunteer persona active with
tasks to claim, a season of verified work, the reward shop and a course; a second run adds
nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from governance.demo import COUNTY_CODE, DEMO_PASSWORD, demo_seed
from governance.models import Agency, IdempotencyKey, Membership
from volunteers.demo import EXTRA_VOLUNTEERS, seed_demo_history
from volunteers.models import (
    Certificate,
    Claim,
    Course,
    PointsEntry,
    Redemption,
    RewardItem,
    Task,
    Team,
    Volunteer,
)
from volunteers.selectors import points_balance, star_for, tasks_open_for

pytestmark = pytest.mark.django_db
C = Claim.Status
TOWNSHIP_1 = f"{COUNTY_CODE}001000"


# The jobs the volunteers' services asked to run after the commit while the demo was seeded.
QUEUED: list[str] = []


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction rolled back at the end (as the governance,
    stations and disputes demo tests do): the season takes seconds, not each test."""

    def record(name, *args, **kwargs):
        QUEUED.append(name)

    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        mock.patch("volunteers.services.publishing.on_commit_delay", record),
        mock.patch("volunteers.services.claims.on_commit_delay", record),
    ):
        demo_seed(seed=2026)
        summary = seed_demo_history(seed=2026)
        yield summary
        transaction.set_rollback(True)


def persona() -> Volunteer:
    return Volunteer.objects.select_related("team__region").get(user__username="volunteer")


def test_the_summary_line_counts_what_was_built(seeded):
    verified = Claim.objects.filter(status=C.VERIFIED).count()

    assert seeded.startswith(f"Volunteers: 6 teams, {EXTRA_VOLUNTEERS + 1} volunteers (")
    assert f"with {verified} verified attendances" in seeded
    assert "8 reward items" in seeded


def test_each_police_station_has_a_team_and_the_officer_leads_the_first_township_s(seeded):
    stations = Agency.objects.filter(kind=Agency.Kind.POLICE_STATION, region__path__contains=COUNTY_CODE)
    first = Team.objects.get(region__code=TOWNSHIP_1)

    assert set(Team.objects.values_list("agency_id", flat=True)) == set(stations.values_list("pk", flat=True))
    assert list(first.leaders.values_list("username", flat=True)) == ["officer"]
    assert all(t.name.endswith("义警队") for t in Team.objects.all())


def test_the_volunteer_persona_is_active_with_upcoming_claims_and_a_points_balance(seeded):
    v = persona()
    upcoming = Claim.objects.filter(volunteer=v, status=C.CLAIMED, task__starts_at__gt=timezone.now())

    assert v.status == Volunteer.Status.ACTIVE
    assert v.team.region.code == TOWNSHIP_1
    assert upcoming.count() >= 4
    assert upcoming.filter(task__kind=Task.Kind.SCHOOL_GATE).exists()
    assert points_balance(v.pk) > 100
    assert v.star >= 1
    assert Certificate.objects.filter(volunteer=v).exists()
    assert Membership.objects.filter(user=v.user, role=Membership.Role.VOLUNTEER, active=True).exists()


def test_the_persona_s_phone_page_lists_tasks_to_claim(seeded, client):
    v = persona()
    open_tasks = list(tasks_open_for(v, now=timezone.now()))
    client.force_login(v.user)

    response = client.get("/volunteers/")

    assert response.status_code == 200
    assert len(open_tasks) >= 5
    assert open_tasks[0].title in response.content.decode()


def test_a_season_of_work_was_claimed_done_verified_and_credited(seeded):
    now = timezone.now()
    past = Claim.objects.filter(task__ends_at__lt=now)
    statuses = Counter(past.values_list("status", flat=True))
    verified = past.filter(status=C.VERIFIED)
    earned = PointsEntry.objects.filter(kind=PointsEntry.Kind.EARN)

    assert statuses[C.VERIFIED] > 300
    assert 0 < statuses[C.NO_SHOW] < statuses[C.VERIFIED] / 10
    assert statuses[C.CANCELLED] > 0
    assert statuses[C.CLAIMED] == 0  # every past claim was settled one way or the other
    assert earned.count() == verified.count()
    assert earned.aggregate(s=Sum("amount"))["s"] == verified.aggregate(s=Sum("task__points"))["s"]
    assert not verified.filter(checked_in_at__isnull=True).exists()
    assert not verified.filter(verified_at__gt=now).exists()
    oldest = Task.objects.order_by("starts_at").first()
    assert (now - oldest.starts_at).days >= 75
    # No one was suspended for no-shows by the demo.
    assert not Volunteer.objects.filter(status=Volunteer.Status.SUSPENDED).exists()


def test_yesterday_s_attendance_and_applicants_wait_for_the_officer(seeded):
    first = Team.objects.get(region__code=TOWNSHIP_1)

    assert Claim.objects.filter(task__team=first, status=C.CHECKED_OUT).exists()
    pending = Counter(
        first.volunteers.exclude(status=Volunteer.Status.ACTIVE).values_list("status", flat=True)
    )
    assert pending == {Volunteer.Status.APPLIED: 2, Volunteer.Status.VETTED: 1, Volunteer.Status.REJECTED: 1}


def test_the_next_two_weeks_are_open_to_claim_with_the_school_gate_every_school_day(seeded):
    now = timezone.now()
    upcoming = Task.objects.filter(starts_at__gt=now, status=Task.Status.PUBLISHED)
    series = Task.objects.get(kind=Task.Kind.SCHOOL_GATE, series__isnull=True)
    gates = upcoming.filter(series=series)

    assert not upcoming.filter(starts_at__gt=now + timedelta(days=17)).exists()
    assert {Task.Kind.PATROL, Task.Kind.SCHOOL_GATE} <= set(upcoming.values_list("kind", flat=True))
    assert series.title.endswith("护学岗")
    assert series.recurrence == Task.Recurrence.SCHOOL_DAYS
    assert gates.count() >= 8
    assert all(timezone.localtime(t.starts_at).weekday() < 5 for t in gates)
    assert upcoming.filter(taken__lt=F("capacity")).count() > upcoming.count() / 2
    assert upcoming.filter(min_star__gte=1).exists()
    assert upcoming.filter(required_course__isnull=False).exists()


def test_the_reward_shop_is_stocked_and_some_points_were_spent(seeded):
    items = RewardItem.objects.filter(active=True)
    redemptions = Counter(Redemption.objects.values_list("status", flat=True))

    assert 6 <= items.count() <= 8
    assert all(item.stock > 0 and item.price > 0 for item in items)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in item.name) for item in items)
    assert redemptions[Redemption.Status.COLLECTED] >= 2
    assert redemptions[Redemption.Status.RESERVED] >= 1
    assert Redemption.objects.filter(volunteer__user__username="volunteer").count() == 2
    # The ledger never went below zero for anyone.
    assert all(points_balance(v) >= 0 for v in Volunteer.objects.values_list("pk", flat=True))


def test_the_course_has_lessons_a_quiz_and_certificates(seeded):
    course = Course.objects.get()

    assert course.lessons.count() >= 3
    assert course.questions.count() >= 4
    assert all(0 <= q.answer < len(q.choices) for q in course.questions.all())
    assert course.certificates.count() > 20
    assert not course.certificates.filter(score__lt=course.pass_mark).exists()


def test_star_levels_were_recomputed_from_the_verified_hours(seeded):
    volunteers = Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)

    assert not volunteers.filter(star_computed_at__isnull=True).exclude(hours_12m=0).exists()
    assert all(v.star == star_for(v.hours_12m) for v in volunteers)
    assert volunteers.filter(hours_12m__gt=0).count() > 40


def test_the_extra_volunteers_log_in_with_the_demo_password(seeded):
    assert authenticate(username="volunteer_02", password=DEMO_PASSWORD) is not None
    assert Volunteer.objects.filter(user__username__startswith="volunteer_").count() == EXTRA_VOLUNTEERS


def test_second_run_adds_nothing(seeded):
    before = (Team.objects.count(), Volunteer.objects.count(), Task.objects.count(), Claim.objects.count())

    assert seed_demo_history(seed=2026) is None
    assert (
        Team.objects.count(),
        Volunteer.objects.count(),
        Task.objects.count(),
        Claim.objects.count(),
    ) == before


def test_the_season_of_history_announces_nothing_and_only_the_upcoming_tasks_are_announced(seeded):
    upcoming = IdempotencyKey.objects.filter(
        operation="volunteers.task.publish", key__startswith="demo:upcoming:"
    ).count()

    announced = Counter(QUEUED)

    assert announced["volunteers.notify_task_published"] == upcoming
    assert announced["volunteers.notify_verified"] == 0
    assert announced["volunteers.star_recompute"] == 0
