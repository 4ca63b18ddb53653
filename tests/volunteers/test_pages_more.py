"""The phone pages added around the core: training with its quiz and certificate, "near me",
the offline service worker, no inline script (CSP), the leader's task cancel, and the staff's
logged unmasking of a volunteer's data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from governance.models import AuditEvent
from tests.volunteers.factories import LAT, LNG, published, world
from volunteers.models import Certificate, Course, Lesson, QuizQuestion, Task

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "volunteers" / "templates" / "volunteers"


def course_with_quiz():
    course = Course.objects.create(title="义警上岗培训", pass_mark=80)
    Lesson.objects.create(course=course, number=1, title="职责与边界", body="义警不具有执法权。")
    for n in (1, 2):
        QuizQuestion.objects.create(
            course=course, number=n, text=f"问题{n}", choices=["甲", "乙", "丙"], answer=1
        )
    return course


def test_the_volunteer_reads_the_lessons_passes_the_quiz_and_sees_the_certificate(client):
    w = world()
    course = course_with_quiz()
    client.force_login(w.volunteer.user)

    listing = client.get(reverse("volunteers:training")).content.decode()
    page = client.get(reverse("volunteers:course", args=[course.pk])).content.decode()
    response = client.post(reverse("volunteers:quiz", args=[course.pk]), {"q1": "1", "q2": "1"}, follow=True)

    assert 'data-testid="course"' in listing and "Not taken yet" in listing
    assert "职责与边界" in page and 'name="q2"' in page
    certificate = Certificate.objects.get(volunteer=w.volunteer, course=course)
    assert response.redirect_chain[-1][0] == reverse("volunteers:certificate", args=[certificate.pk])
    html = response.content.decode()
    assert "Passed: 义警上岗培训." in html and "Passed with 100% on" in html
    assert "Passed, 100%" in client.get(reverse("volunteers:training")).content.decode()


def test_a_failed_quiz_says_the_pass_mark_and_keeps_the_answers(client):
    w = world()
    course = course_with_quiz()
    client.force_login(w.volunteer.user)

    response = client.post(reverse("volunteers:quiz", args=[course.pk]), {"q1": "1", "q2": "0"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not passed: the pass mark is 80%." in html
    assert 'id="q2-0" value="0" checked' in html
    assert Certificate.objects.count() == 0


def test_a_missing_answer_is_refused_and_nothing_is_recorded(client):
    w = world()
    course = course_with_quiz()
    client.force_login(w.volunteer.user)

    response = client.post(reverse("volunteers:quiz", args=[course.pk]), {"q1": "1"})
    none = client.post(reverse("volunteers:quiz", args=[course.pk]), {})
    tampered = client.post(reverse("volunteers:quiz", args=[course.pk]), {"q1": "1", "q2": "x"})

    for refused in (response, none):
        assert refused.status_code == 400
        assert 'data-testid="quiz-error"' in refused.content.decode()
        assert "Answer every question." in refused.content.decode()
    assert "checked" in response.content.decode()  # the answer given is kept
    assert (
        tampered.status_code == 400 and "Answers: A valid integer is required." in tampered.content.decode()
    )
    assert Certificate.objects.count() == 0


def test_another_volunteer_s_certificate_is_not_found(client):
    w = world()
    course = course_with_quiz()
    client.force_login(w.volunteer.user)
    client.post(reverse("volunteers:quiz", args=[course.pk]), {"q1": "1", "q2": "1"})
    certificate = Certificate.objects.get()
    client.force_login(w.other_volunteer.user)

    assert client.get(reverse("volunteers:certificate", args=[certificate.pk])).status_code == 404


def test_near_me_keeps_the_tasks_within_the_distance_nearest_first(client, django_assert_max_num_queries):
    w = world()
    far = published(w, title="远处", lng=LNG + 0.2)  # about 19 km east
    near = published(w, title="近处", lng=LNG + 0.005)
    here = published(w, title="这里", starts_at=far.starts_at.replace(hour=9))
    client.force_login(w.volunteer.user)

    with django_assert_max_num_queries(13):
        response = client.get(reverse("volunteers:home"), {"lng": LNG, "lat": LAT, "within": 3})

    shown = [t.pk for t in response.context["tasks"]]
    assert shown == [here.pk, near.pk]
    html = response.content.decode()
    assert "0 m" in html and "486 m" in html and far.title not in html
    everything = client.get(reverse("volunteers:home"), {"lng": LNG, "lat": LAT, "within": 20}).context[
        "tasks"
    ]
    assert [t.title for t in everything] == ["这里", "近处", "远处"]


def test_a_bad_distance_shows_every_task_with_a_message(client):
    w = world()
    published(w)
    client.force_login(w.volunteer.user)

    response = client.get(reverse("volunteers:home"), {"lng": LNG, "lat": LAT, "within": 7})

    assert "Choose a distance of 1, 3, 5, 10 or 20 km." in response.content.decode()
    assert len(response.context["tasks"]) == 1


def test_the_service_worker_is_served_from_the_volunteers_path_by_the_platform(client):
    response = client.get(reverse("volunteers:service-worker"))

    assert reverse("volunteers:service-worker") == "/volunteers/sw.js"
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert b"check-(in|out)" in response.content and b"indexedDB" in response.content


def test_no_volunteers_template_holds_an_inline_script():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)

    offenders = [p.name for p in TEMPLATES.glob("*.html") if inline.search(p.read_text())]

    assert offenders == []


def test_the_leader_cancels_an_upcoming_task_from_the_team_page(client):
    w = world()
    task = published(w)
    client.force_login(w.leader)

    page = client.get(reverse("volunteers:team")).content.decode()
    refused = client.post(reverse("volunteers:team-task-cancel", args=[task.pk]), {"reason": ""}, follow=True)
    still = Task.objects.get(pk=task.pk).status
    done = client.post(
        reverse("volunteers:team-task-cancel", args=[task.pk]), {"reason": "场地占用"}, follow=True
    )

    assert 'data-testid="cancel-task"' in page
    assert "Say why the task is cancelled." in refused.content.decode() and still == "published"
    # A refusal looks like one and is announced: Bootstrap's danger, role alert.
    error = refused.content.decode().split('data-testid="message-error"')[0].rsplit("<div", 1)[1]
    assert "alert-danger" in error and 'role="alert"' in error
    assert "The claimants are told." in done.content.decode()
    assert Task.objects.get(pk=task.pk).status == "cancelled"


def test_a_volunteer_cannot_cancel_a_task_from_the_page(client):
    w = world()
    task = published(w)
    client.force_login(w.volunteer.user)

    response = client.post(reverse("volunteers:team-task-cancel", args=[task.pk]), {"reason": "不想去"})

    assert response.status_code == 404
    assert Task.objects.get(pk=task.pk).status == "published"


def test_an_officer_sees_a_volunteer_masked_and_unmasks_the_phone_once_with_a_reason(client):
    w = world()
    client.force_login(w.officer)
    url = reverse("volunteers:team-member", args=[w.volunteer.pk])

    page = client.get(url)
    refused = client.post(reverse("volunteers:team-member-unmask", args=[w.volunteer.pk]), {"field": "phone"})
    shown = client.post(
        reverse("volunteers:team-member-unmask", args=[w.volunteer.pk]),
        {"field": "phone", "reason": "联系本人核实"},
    )

    assert "137****1111" in page.content.decode() and "13700001111" not in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert refused.status_code == 400 and 'data-field="reason"' in refused.content.decode()
    assert "13700001111" in shown.content.decode() and shown["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 1


def test_the_team_leader_without_the_unmask_right_sees_no_unmask_form_and_is_refused(client):
    w = world()
    client.force_login(w.leader)

    page = client.get(reverse("volunteers:team-member", args=[w.volunteer.pk])).content.decode()
    response = client.post(
        reverse("volunteers:team-member-unmask", args=[w.volunteer.pk]),
        {"field": "phone", "reason": "联系本人核实"},
    )

    assert 'data-testid="unmask-form"' not in page
    assert response.status_code == 403 and "13700001111" not in response.content.decode()
    assert AuditEvent.objects.filter(verb="personal_data.unmask").count() == 0


def test_a_volunteer_cannot_open_another_volunteer_s_record(client):
    w = world()
    client.force_login(w.other_volunteer.user)

    assert client.get(reverse("volunteers:team-member", args=[w.volunteer.pk])).status_code == 404
