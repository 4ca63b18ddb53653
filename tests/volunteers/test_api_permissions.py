"""Who may do what on the volunteers API, role by role. What one may not see is not found; what one
sees but may not do is refused; a refused request changes nothing; volunteers' data stays masked."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from governance.models import AuditEvent
from tests.volunteers.factories import LAT, LNG, applied, published, tomorrow, world
from volunteers.models import Claim, PointsEntry, Task, Volunteer
from volunteers.services import claim_check_in, claim_check_out, task_claim

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "volunteer",
    "other_volunteer",
    "leader",
    "officer",
    "officer_b",
    "township_official",
    "county_admin",
]


def user_for(w, role):
    return {
        "anonymous": None,
        "volunteer": w.volunteer.user,
        "other_volunteer": w.other_volunteer.user,
        "leader": w.leader,
        "officer": w.officer,
        "officer_b": w.officer_b,
        "township_official": w.township_official,
        "county_admin": w.county_admin,
    }[role]


def _task_body(w):
    starts = tomorrow(15)
    return {
        "team": w.team.pk, "task_type": "patrol", "title": "夜巡", "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=2)).isoformat(), "place": "新塘社区", "lng": LNG, "lat": LAT,
        "capacity": 4, "points": 20,
    }  # fmt: skip


# endpoint: (method, path, body, statuses in the order of ROLES:
#            anon vol  oVol lead off  offB town adm)
ENDPOINTS = {
    "task_list": ("get", "/api/v1/volunteer-tasks/", None,
            (403, 200, 200, 200, 200, 200, 200, 200)),
    "task_detail": ("get", "/api/v1/volunteer-tasks/{task}/", None,
            (403, 200, 404, 200, 200, 404, 200, 200)),
    "publish": ("post", "/api/v1/volunteer-tasks/", "task",
            (403, 403, 403, 201, 201, 403, 201, 201)),
    "edit": ("patch", "/api/v1/volunteer-tasks/{task}/", {"points": 30},
            (403, 403, 404, 200, 200, 404, 200, 200)),
    "claim": ("post", "/api/v1/volunteer-tasks/{task}/claim/", None,
            (403, 201, 404, 403, 403, 404, 403, 403)),
    "verify": ("post", "/api/v1/volunteer-claims/{claim}/verify/", None,
            (403, 403, 404, 200, 200, 404, 200, 200)),
    "check_in": ("post", "/api/v1/volunteer-claims/{claim}/check-in/", {"lng": LNG, "lat": LAT},
            (403, 200, 404, 403, 403, 404, 403, 403)),
    "vet": ("post", "/api/v1/volunteers/{applicant}/vet/", None,
            (403, 404, 404, 200, 200, 404, 200, 200)),
    "volunteer_detail": ("get", "/api/v1/volunteers/{volunteer}/", None,
            (403, 200, 404, 200, 200, 404, 200, 200)),
    "adjust": ("post", "/api/v1/volunteers/{volunteer}/points/adjust/", {"amount": 5, "reason": "奖励"},
            (403, 403, 404, 201, 201, 404, 201, 201)),
}  # fmt: skip
MATRIX = [(name, role) for name in ENDPOINTS for role in ROLES]


def snapshot():
    return (
        list(Task.objects.values().order_by("pk")),
        list(Claim.objects.values().order_by("pk")),
        list(Volunteer.objects.values("pk", "status").order_by("pk")),
        PointsEntry.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("endpoint", "role"), MATRIX)
def test_the_permission_matrix(endpoint, role):
    w = world()
    task = published(w, starts_at=tomorrow(9))
    done = published(w, starts_at=tomorrow(6), title="早班")
    applicant = applied(w.team)
    with time_machine.travel(done.starts_at - dt.timedelta(hours=3), tick=False):
        done_claim = task_claim(actor=w.volunteer.user, task=done)
    with time_machine.travel(done.starts_at, tick=False):
        claim_check_in(actor=w.volunteer.user, claim=done_claim, lng=LNG, lat=LAT)
    with time_machine.travel(done.ends_at, tick=False):
        claim_check_out(actor=w.volunteer.user, claim=done_claim, lng=LNG, lat=LAT)
    method, path, body, statuses = ENDPOINTS[endpoint]
    expected = dict(zip(ROLES, statuses, strict=True))
    claim = done_claim
    if endpoint == "check_in":
        claim = task_claim(actor=w.volunteer.user, task=task)
    if body == "task":
        body = _task_body(w)
    target = path.format(task=task.pk, claim=claim.pk, applicant=applicant.pk, volunteer=w.volunteer.pk)
    api = APIClient()
    user = user_for(w, role)
    if user is not None:
        api.force_authenticate(user)
    before = snapshot()
    moment = task.starts_at if endpoint == "check_in" else task.starts_at - dt.timedelta(hours=3)
    with time_machine.travel(moment, tick=False):
        response = api.get(target) if method == "get" else getattr(api, method)(target, body, format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
        assert snapshot() == before
    content = response.content.decode()
    assert "13700001111" not in content  # the volunteer's phone, in clear
    assert "王志愿" not in content  # his full name


@pytest.mark.parametrize(
    ("role", "count"),
    [
        ("volunteer", 1),
        ("other_volunteer", 1),
        ("leader", 2),
        ("officer", 2),
        ("officer_b", 1),
        ("county_admin", 3),
    ],
)
def test_the_volunteer_list_shows_oneself_and_the_teams_one_manages(role, count):
    w = world()
    applied(w.team)
    api = APIClient()
    api.force_authenticate(user_for(w, role))
    body = api.get("/api/v1/volunteers/").json()
    assert body["count"] == count
    assert all("*" in v["name"] and "****" in v["phone"] for v in body["results"])
