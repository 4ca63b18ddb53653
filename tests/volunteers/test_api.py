"""The volunteers API end to end: apply, claim, check in and out, verify, redeem."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.governance.factories import person
from tests.volunteers.factories import LAT, LNG, active_volunteer, id_number, published, tomorrow, world
from volunteers.services import reward_item_create

pytestmark = pytest.mark.django_db


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_resident_applies_and_sees_only_his_masked_record():
    w = world()
    resident = person(real_name="周新")
    response = client(resident).post(
        "/api/v1/volunteers/apply/",
        {"team": w.team.pk, "real_name": "周新人", "phone": "13900001234", "id_number": id_number(3),
         "record_check_consent": True, "skills": ["驾驶"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["name"], body["phone"]) == ("applied", "周**", "139****1234")
    assert body["id_number"].count("*") == 8


def test_an_application_without_consent_answers_the_field():
    w = world()
    response = client(person()).post(
        "/api/v1/volunteers/apply/",
        {"team": w.team.pk, "real_name": "周新", "phone": "13900001234", "id_number": id_number(4),
         "record_check_consent": False},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["record_check_consent"]


def test_claim_check_in_out_verify_and_redeem_through_the_api():
    w = world()
    task = published(w, points=30)
    me = client(w.volunteer.user)
    with time_machine.travel(task.starts_at - dt.timedelta(hours=5), tick=False):
        opened = me.get("/api/v1/volunteer-tasks/", {"open": "true"}).json()
        assert [t["id"] for t in opened["results"]] == [task.pk]
        claim = me.post(f"/api/v1/volunteer-tasks/{task.pk}/claim/").json()
        assert claim["status"] == "claimed"
    with time_machine.travel(task.starts_at + dt.timedelta(minutes=1), tick=False):
        far = me.post(
            f"/api/v1/volunteer-claims/{claim['id']}/check-in/",
            {"lng": LNG, "lat": LAT + 0.01},
            format="json",
        )
        assert far.status_code == 400
        assert far.json()["error"]["message"] == "You are 1112 m from the task place; come within 300 m."
        assert far.json()["error"]["fields"] == {"location": ["1112 m away."]}
    with time_machine.travel(task.starts_at + dt.timedelta(minutes=20), tick=False):
        # Made offline a quarter of an hour earlier: the original time is kept.
        made = (task.starts_at + dt.timedelta(minutes=5)).isoformat()
        body = me.post(
            f"/api/v1/volunteer-claims/{claim['id']}/check-in/",
            {"lng": LNG, "lat": LAT, "client_at": made},
            format="json",
        ).json()
        assert dt.datetime.fromisoformat(body["checked_in_at"]) == task.starts_at + dt.timedelta(minutes=5)
    with time_machine.travel(task.ends_at, tick=False):
        assert (
            me.post(
                f"/api/v1/volunteer-claims/{claim['id']}/check-out/", {"lng": LNG, "lat": LAT}, format="json"
            ).json()["minutes"]
            == 55
        )
        verified = client(w.leader).post(f"/api/v1/volunteer-claims/{claim['id']}/verify/")
        assert verified.json()["status"] == "verified"
    mine = me.get("/api/v1/volunteers/me/").json()
    assert (mine["balance"], mine["hours"], mine["next_hours"]) == (30, "0.92", 50)
    item = reward_item_create(actor=w.officer, agency=w.c.station_a, name="雨伞", price=25, stock=1)
    assert [i["id"] for i in me.get("/api/v1/reward-items/").json()["results"]] == [item.pk]
    first = me.post(f"/api/v1/reward-items/{item.pk}/redeem/", HTTP_IDEMPOTENCY_KEY="tap-1")
    retry = me.post(f"/api/v1/reward-items/{item.pk}/redeem/", HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"]
    again = me.post(f"/api/v1/reward-items/{item.pk}/redeem/")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "You have 5 points; this item costs 25."
    ledger = me.get("/api/v1/volunteer-points/").json()["results"]
    assert sorted((e["entry_type"], e["amount"]) for e in ledger) == [("earn", 30), ("redeem", -25)]
    collected = client(w.officer).post(f"/api/v1/redemptions/{first.json()['id']}/collect/")
    assert collected.json()["status"] == "collected"


def test_the_open_task_list_answers_in_constant_queries(django_assert_max_num_queries):
    w = world()
    for i in range(3):
        published(w, starts_at=tomorrow(6 + i * 2), title=f"任务{i}")
    api = client(w.volunteer.user)
    with django_assert_max_num_queries(8) as few:
        api.get("/api/v1/volunteer-tasks/", {"open": "true"})
    for i in range(20):
        published(w, starts_at=tomorrow(0) + dt.timedelta(days=2, hours=i), title=f"更多{i}")
        active_volunteer(w.team)
    api = client(w.volunteer.user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get("/api/v1/volunteer-tasks/", {"open": "true"}).json()
    assert body["count"] == 23


def test_the_schema_lists_the_volunteers_api():
    body = client(person()).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/volunteer-tasks/{id}/claim/",
        "/api/v1/volunteer-claims/{id}/check-in/",
        "/api/v1/reward-items/{id}/redeem/",
        "/api/v1/volunteers/apply/",
    ):
        assert path in body["paths"]


def test_a_volunteer_takes_a_course_quiz_through_the_api():
    from volunteers.models import Course, Lesson, QuizQuestion

    w = world()
    course = Course.objects.create(title="护学岗须知", pass_mark=100)
    Lesson.objects.create(course=course, number=1, title="站位", body="两人一组")
    QuizQuestion.objects.create(
        course=course, number=1, text="几人一组？", choices=["一人", "两人"], answer=1
    )
    me = client(w.volunteer.user)
    shown = me.get(f"/api/v1/volunteer-courses/{course.pk}/").json()
    assert shown["questions"] == [{"number": 1, "text": "几人一组？", "choices": ["一人", "两人"]}]
    failed = me.post(f"/api/v1/volunteer-courses/{course.pk}/quiz/", {"answers": [0]}, format="json").json()
    assert failed == {"passed": False, "score": None, "certificate": None}
    passed = me.post(f"/api/v1/volunteer-courses/{course.pk}/quiz/", {"answers": [1]}, format="json").json()
    assert (passed["passed"], passed["score"]) == (True, 100)
    assert (
        client(w.officer)
        .post(f"/api/v1/volunteer-courses/{course.pk}/quiz/", {"answers": [1]}, format="json")
        .status_code
        == 403
    )
