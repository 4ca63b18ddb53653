"""The volunteer's phone pages and the leader's page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.governance.factories import person
from tests.volunteers.factories import LAT, LNG, active_volunteer, applied, id_number, published, world
from volunteers.models import Claim, Redemption, Volunteer
from volunteers.services import claim_check_in, claim_check_out, reward_item_create, task_claim

pytestmark = pytest.mark.django_db


def test_the_task_list_offers_what_the_volunteer_may_take_and_claims_in_one_tap(
    client, django_assert_max_num_queries
):
    w = world()
    task = published(w)
    published(w, team=w.other_team, actor=w.officer_b, title="外队任务")
    client.force_login(w.volunteer.user)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("volunteers:home"))
    html = page.content.decode()
    assert 'data-testid="nav-volunteers"' in html
    assert html.count('data-testid="task"') == 1 and "外队任务" not in html
    response = client.post(reverse("volunteers:claim", args=[task.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("volunteers:claims")
    assert Claim.objects.get(task=task).volunteer_id == w.volunteer.pk
    assert "Claimed: 新塘小学护学岗." in response.content.decode()


def test_a_refused_claim_shows_the_reason_and_changes_nothing(client):
    w = world()
    task = published(w, capacity=2)
    for _ in range(2):
        task_claim(actor=active_volunteer(w.team).user, task=task)
    client.force_login(w.volunteer.user)
    response = client.post(reverse("volunteers:claim", args=[task.pk]), follow=True)
    assert "This task is full." in response.content.decode()
    assert Claim.objects.filter(task=task).count() == 2


def test_check_in_too_far_shows_the_distance(client):
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    with time_machine.travel(task.starts_at, tick=False):
        client.force_login(w.volunteer.user)  # sessions end after 30 idle minutes
        page = client.get(reverse("volunteers:claims")).content.decode()
        assert 'data-testid="check-in"' in page and "volunteers/checkin.js" in page
        response = client.post(
            reverse("volunteers:check-in", args=[claim.pk]), {"lng": LNG, "lat": LAT + 0.01}, follow=True
        )
    assert "You are 1112 m from the task place; come within 300 m." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CLAIMED


def test_check_in_and_out_from_the_page_keep_the_phones_time(client):
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    made = task.starts_at + dt.timedelta(minutes=3)
    with time_machine.travel(task.starts_at + dt.timedelta(minutes=10), tick=False):
        client.force_login(w.volunteer.user)  # sessions end after 30 idle minutes
        client.post(
            reverse("volunteers:check-in", args=[claim.pk]),
            {"lng": LNG, "lat": LAT, "client_at": made.isoformat()},
        )
    with time_machine.travel(task.ends_at, tick=False):
        client.force_login(w.volunteer.user)
        client.post(reverse("volunteers:check-out", args=[claim.pk]), {"lng": LNG, "lat": LAT})
    claim.refresh_from_db()
    assert (claim.status, claim.checked_in_at, claim.minutes) == (Claim.Status.CHECKED_OUT, made, 57)


def test_the_leader_verifies_and_the_volunteer_sees_points_and_redeems(client):
    w = world()
    task = published(w, points=40)
    claim = task_claim(actor=w.volunteer.user, task=task)
    with time_machine.travel(task.starts_at, tick=False):
        claim_check_in(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT)
    with time_machine.travel(task.ends_at, tick=False):
        claim_check_out(actor=w.volunteer.user, claim=claim, lng=LNG, lat=LAT)
    client.force_login(w.leader)
    team_page = client.get(reverse("volunteers:team")).content.decode()
    assert "王**" in team_page and "王志愿" not in team_page
    client.post(reverse("volunteers:team-verify", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.VERIFIED
    item = reward_item_create(actor=w.officer, agency=w.c.station_a, name="手电筒", price=30, stock=2)
    client.force_login(w.volunteer.user)
    points = client.get(reverse("volunteers:points")).content.decode()
    assert "40 points" in points and "Next: 1 stars at 50 hours" in points
    client.post(reverse("volunteers:redeem", args=[item.pk]), {"idempotency_key": "k-1"})
    client.post(reverse("volunteers:redeem", args=[item.pk]), {"idempotency_key": "k-1"})
    shop = client.get(reverse("volunteers:shop")).content.decode()
    assert "You have 10 points" in shop
    assert Redemption.objects.filter(volunteer=w.volunteer).count() == 1
    client.force_login(w.leader)
    assert 'data-testid="hand-over"' not in client.get(reverse("volunteers:team")).content.decode()
    client.force_login(w.officer)
    redemption = Redemption.objects.get()
    client.post(reverse("volunteers:team-collect", args=[redemption.pk]))
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.COLLECTED


def test_a_resident_applies_from_the_phone(client):
    w = world()
    resident = person()
    client.force_login(resident)
    assert client.get(reverse("volunteers:home")).url == reverse("volunteers:apply")
    bad = client.post(
        reverse("volunteers:apply"), {"team": w.team.pk, "real_name": "孙", "phone": "1", "id_number": "x"}
    )
    assert "Joining needs your consent to a record check." in bad.content.decode()
    client.post(
        reverse("volunteers:apply"),
        {"team": w.team.pk, "real_name": "孙新", "phone": "13912345678", "id_number": id_number(5),
         "record_check_consent": "on", "skills": "急救, 驾驶"},
    )  # fmt: skip
    v = Volunteer.objects.get(user=resident)
    assert (v.status, v.skills) == (Volunteer.Status.APPLIED, ["急救", "驾驶"])


def test_the_leader_vets_then_activates_from_the_phone(client):
    w = world()
    v = applied(w.team)
    client.force_login(w.leader)
    client.post(reverse("volunteers:team-admit", args=[v.pk]))
    client.post(reverse("volunteers:team-admit", args=[v.pk]))
    v.refresh_from_db()
    assert v.status == Volunteer.Status.ACTIVE


@pytest.mark.parametrize("who", ["officer_b", "other_volunteer"])
def test_outsiders_cannot_reach_the_teams_people(client, who):
    w = world()
    v = applied(w.team)
    client.force_login(w.officer_b if who == "officer_b" else w.other_volunteer.user)
    assert client.post(reverse("volunteers:team-admit", args=[v.pk])).status_code == 404
    v.refresh_from_db()
    assert v.status == Volunteer.Status.APPLIED


def test_a_volunteer_cannot_check_in_someone_elses_claim(client):
    w = world()
    task = published(w)
    claim = task_claim(actor=w.volunteer.user, task=task)
    client.force_login(w.other_volunteer.user)
    assert (
        client.post(reverse("volunteers:check-in", args=[claim.pk]), {"lng": LNG, "lat": LAT}).status_code
        == 404
    )


def test_pages_fit_a_360_px_phone(client):
    """No fixed widths: every page is a single column capped in rem and breaks long words."""
    w = world()
    published(w)
    client.force_login(w.volunteer.user)
    for name in ("home", "claims", "points", "shop"):
        html = client.get(reverse(f"volunteers:{name}")).content.decode()
        assert 'style="max-width: 40rem"' in html and "text-break" in html
        assert "px;" not in html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_staff_without_a_team_get_no_volunteer_pages(client):
    w = world()
    client.force_login(w.c.person("grid_worker", w.c.township_gov_a))
    assert client.get(reverse("volunteers:team")).status_code == 404
    assert 'data-testid="nav-volunteers"' not in client.get("/").content.decode()
