"""The team and station figures: what they count, who sees which teams, bad periods refused field by
field, CSV and XLSX exports, the API, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tests.volunteers.factories import active_volunteer, published, tomorrow, verified, world
from volunteers.figures import volunteer_figures
from volunteers.models import Task
from volunteers.services import (
    claim_no_show,
    points_adjust,
    redemption_reserve,
    reward_item_create,
    task_claim,
)

pytestmark = pytest.mark.django_db


def season(w, hour=8):
    """Team A: a patrol served by the volunteer (an hour, 20 points) and missed by another; a
    school-gate duty nobody took; 5 points taken off, a 10-point reward redeemed. Team B: one
    task nobody took."""
    patrol = published(w, kind="patrol", title="夜巡", capacity=4, points=20, starts_at=tomorrow(hour))
    published(w, starts_at=tomorrow(hour + 1))
    published(w, team=w.other_team, actor=w.officer_b, capacity=3, starts_at=tomorrow(hour), title="外队")
    absent = active_volunteer(w.team)
    with time_machine.travel(patrol.starts_at - dt.timedelta(hours=3), tick=False):
        missed = task_claim(actor=absent.user, task=patrol)
    verified(w, patrol)
    claim_no_show(actor=w.leader, claim=missed, now=patrol.ends_at)
    points_adjust(actor=w.leader, volunteer=w.volunteer, amount=-5, reason="迟到")
    item = reward_item_create(actor=w.officer, agency=w.c.station_a, name="雨衣", price=10, stock=3)
    with time_machine.travel(patrol.ends_at + dt.timedelta(hours=1), tick=False):
        redemption_reserve(actor=w.volunteer.user, item=item)
    return patrol


def period():
    today = timezone.localdate()
    return {"since": today.isoformat(), "until": (today + dt.timedelta(days=1)).isoformat()}


def test_the_figures_count_volunteers_hours_fill_no_shows_and_points_of_the_period():
    w = world()
    season(w)
    today = timezone.localdate()

    f = volunteer_figures([w.team], since=today, until=today + dt.timedelta(days=1))

    (row,) = f.teams
    assert (row.on_roll, row.served, row.tasks, row.offered, row.taken) == (2, 1, 2, 6, 2)
    assert (row.attended, row.no_shows, row.no_show_rate, row.hours) == (1, 1, 0.5, 1.0)
    assert row.fill_rate == pytest.approx(2 / 6)
    assert (row.earned, row.redeemed, row.adjusted, row.expired) == (20, 10, -5, 0)
    assert [
        (k.kind, k.tasks, k.offered, k.taken, k.attended, k.no_shows, k.hours, k.served) for k in f.kinds
    ] == [
        ("patrol", 1, 4, 2, 1, 1, 1.0, 1),
        ("school_gate", 1, 2, 0, 0, 0, 0.0, 0),
    ]


def test_a_period_before_the_tasks_counts_nothing_but_the_roll():
    w = world()
    season(w)
    long_ago = timezone.localdate() - dt.timedelta(days=200)

    f = volunteer_figures([w.team], since=long_ago, until=long_ago + dt.timedelta(days=30))

    assert (f.total.on_roll, f.total.tasks, f.total.minutes, f.total.earned, f.kinds) == (2, 0, 0, 0, [])


@pytest.mark.parametrize(
    ("role", "status", "teams"),
    [
        ("volunteer", 404, None),
        ("leader", 200, ["荷花义警队"]),
        ("officer", 200, ["荷花义警队"]),
        ("officer_b", 200, ["航埠义警队"]),
        ("county_admin", 200, ["荷花义警队", "航埠义警队"]),
    ],
)
def test_the_figures_page_shows_the_teams_one_manages(client, role, status, teams):
    w = world()
    season(w)
    client.force_login(getattr(w, role) if role != "volunteer" else w.volunteer.user)

    response = client.get(reverse("volunteers:figures"), period())

    assert response.status_code == status
    if teams is not None:
        shown = [r.label for r in response.context["f"].teams]
        assert shown == teams


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("volunteers:figures"))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_figures_page_answers_in_a_fixed_number_of_queries(client):
    w = world()
    season(w)
    client.force_login(w.county_admin)
    client.get(reverse("volunteers:figures"), period())  # sessions and caches warm
    with CaptureQueriesContext(connection) as one_season:
        client.get(reverse("volunteers:figures"), period())
    for hour in (11, 14, 17):
        season(w, hour)  # more tasks, claims and points: the same queries

    with CaptureQueriesContext(connection) as four_seasons:
        response = client.get(reverse("volunteers:figures"), period())

    assert response.status_code == 200
    assert response.context["f"].total.tasks == 4 * 3
    assert len(one_season) == len(four_seasons)
    assert len(four_seasons) <= 20


def test_a_bad_period_is_refused_field_by_field_and_the_last_90_days_are_shown(client):
    w = world()
    client.force_login(w.officer)

    response = client.get(reverse("volunteers:figures"), {"since": "2026-13-01", "until": "2026-01-01"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="error-since"' in html and "Enter a date as YYYY-MM-DD" in html
    assert response.context["f"].until == timezone.localdate()
    assert 'data-testid="export-csv"' not in html


def test_the_end_before_the_start_is_refused_on_the_end(client):
    w = world()
    client.force_login(w.officer)

    response = client.get(reverse("volunteers:figures"), {"since": "2026-10-05", "until": "2026-10-01"})

    assert response.status_code == 400
    assert response.context["errors"] == {"until": ["The end of the period must not come before its start."]}


def test_a_team_one_does_not_manage_is_refused(client):
    w = world()
    client.force_login(w.officer)

    response = client.get(reverse("volunteers:figures-csv"), {"team": w.other_team.pk})

    assert response.status_code == 400
    assert "team: Choose one of your teams." in response.content.decode()


def test_the_csv_export_has_a_row_per_team_the_total_and_one_per_task_type(client):
    w = world()
    season(w)
    client.force_login(w.officer)

    response = client.get(reverse("volunteers:figures-csv"), period())

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Volunteer team,Task type,Active volunteers,Volunteers who served,Tasks,")
    assert lines[1:] == [
        "荷花义警队,All types,2,1,2,6,2,33.3,1,1,50.0,1.0,20,10,-5,0",
        "All teams,All types,2,1,2,6,2,33.3,1,1,50.0,1.0,20,10,-5,0",
        "All teams,Patrol,,1,1,4,2,50.0,1,1,50.0,1.0,,,,",
        "All teams,School gate duty,,0,1,2,0,0.0,0,0,,0.0,,,,",
    ]


def test_the_xlsx_export_holds_the_same_table(client):
    w = world()
    season(w)
    client.force_login(w.officer)

    response = client.get(reverse("volunteers:figures-xlsx"), period())

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1] == ["荷花义警队", "All types", 2, 1, 2, 6, 2, 33.3, 1, 1, 50, 1, 20, 10, -5, 0]
    assert len(rows) == 5


def test_the_figures_api_gives_the_same_figures_and_refuses_bad_input_by_field():
    w = world()
    season(w)
    api = APIClient()
    api.force_authenticate(w.officer)

    body = api.get("/api/v1/volunteer-figures/", period()).json()
    bad = api.get("/api/v1/volunteer-figures/", {"since": "yesterday"})

    assert body["total"]["hours"] == 1.0 and body["total"]["points_redeemed"] == 10
    assert body["teams"][0] | {"fill_rate": None} == {
        "name": "荷花义警队", "team": w.team.pk, "task_type": "", "active_volunteers": 2, "volunteers_served": 1,
        "tasks": 2, "places_offered": 6, "places_taken": 2, "fill_rate": None, "attended": 1, "no_shows": 1,
        "no_show_rate": 0.5, "hours": 1.0, "points_earned": 20, "points_redeemed": 10, "points_adjusted": -5,
        "points_expired": 0,
    }  # fmt: skip
    assert [t["task_type"] for t in body["task_types"]] == ["patrol", "school_gate"]
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"since": ["Enter a date as YYYY-MM-DD, for example 2026-10-01."]}


def test_a_volunteer_gets_no_figures_from_the_api():
    w = world()
    api = APIClient()
    api.force_authenticate(w.volunteer.user)

    response = api.get("/api/v1/volunteer-figures/")

    assert response.status_code == 404
    assert Task.objects.count() == 0
