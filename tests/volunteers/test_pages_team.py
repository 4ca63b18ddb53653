"""The team leader's pages: publish and edit a task (a school-gate series too), record a no-show,
suspend with a reason, adjust points with a reason, and the reward shop its keepers stock. Each:
the allowed role succeeds, bad input shows a field-level error and changes nothing, a retried POST
does nothing twice, a volunteer or another team's leader is refused on the page as on the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from governance.models import AuditEvent
from tests.volunteers.factories import LAT, LNG, published, tomorrow, world
from volunteers.models import Claim, PointsEntry, RewardItem, Task, Volunteer
from volunteers.selectors import points_balance
from volunteers.services import reward_item_create, task_claim

pytestmark = pytest.mark.django_db


def field_error(response, name: str) -> str:
    match = re.search(rf'data-testid="field-error" data-field="{name}">([^<]*)<', response.content.decode())
    assert match, f"no error shown on {name}"
    return match.group(1)


def task_form(w, **changes):
    starts = tomorrow(7)
    data = {
        "team": w.team.pk,
        "task_type": "school_gate",
        "title": "新塘小学护学岗",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "place": "新塘小学门口",
        "lng": LNG,
        "lat": LAT,
        "radius_m": 300,
        "capacity": 4,
        "points": 10,
        "min_star": 0,
        "request_key": "k1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- publishing ------------------------------------------------------------------------------


def test_the_leader_publishes_a_task_once_even_if_the_form_is_sent_twice(client):
    w = world()
    client.force_login(w.leader)

    page = client.get(reverse("volunteers:team-task-new"))
    first = client.post(reverse("volunteers:team-task-new"), task_form(w))
    again = client.post(reverse("volunteers:team-task-new"), task_form(w))

    assert page.status_code == 200 and 'name="capacity"' in page.content.decode()
    assert first.status_code == 302 and first["Location"] == reverse("volunteers:team")
    assert again.status_code == 302
    task = Task.objects.get()
    assert (task.team, task.kind, task.capacity, task.published_by) == (w.team, "school_gate", 4, w.leader)


def test_a_school_gate_series_is_published_from_the_page(client):
    w = world()
    client.force_login(w.leader)
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    client.post(
        reverse("volunteers:team-task-new"), task_form(w, recurrence="school_days", repeat_until=until)
    )

    task = Task.objects.get(series__isnull=True)
    assert task.recurrence == "school_days" and task.repeat_until.isoformat() == until


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 1}, "capacity"),
        ({"title": ""}, "title"),
        ({"points": -1}, "points"),
        ({"lng": "东"}, "lng"),
    ],
)
def test_bad_task_input_is_shown_on_its_field_and_publishes_nothing(client, changes, field):
    w = world()
    client.force_login(w.leader)

    response = client.post(reverse("volunteers:team-task-new"), task_form(w, **changes))

    assert response.status_code == 400
    assert field_error(response, field)
    assert Task.objects.count() == 0


def test_a_task_ending_before_it_starts_is_refused_by_the_service_on_its_field(client):
    w = world()
    client.force_login(w.leader)
    starts = tomorrow(7)

    response = client.post(
        reverse("volunteers:team-task-new"),
        task_form(w, ends_at=(starts - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")),
    )

    assert response.status_code == 400
    assert "The end must come after the start." in field_error(response, "ends_at")
    assert Task.objects.count() == 0


def test_a_volunteer_and_another_teams_leader_cannot_publish_for_the_team(client):
    w = world()
    client.force_login(w.volunteer.user)
    assert client.get(reverse("volunteers:team-task-new")).status_code == 404
    assert client.post(reverse("volunteers:team-task-new"), task_form(w)).status_code == 404
    api = client.post("/api/v1/volunteer-tasks/", task_form(w), content_type="application/json")
    assert api.status_code == 403

    client.force_login(w.officer_b)  # manages station B's team
    refused = client.post(reverse("volunteers:team-task-new"), task_form(w))
    assert refused.status_code == 403
    assert Task.objects.count() == 0


# --- editing ---------------------------------------------------------------------------------


def test_the_leader_edits_a_task_and_bad_input_changes_nothing(client):
    w = world()
    task = published(w)
    client.force_login(w.leader)
    url = reverse("volunteers:team-task-edit", args=[task.pk])

    page = client.get(url).content.decode()
    bad = client.post(url, {"title": task.title, "capacity": "1"})
    unchanged = Task.objects.get(pk=task.pk)
    done = client.post(url, {"title": "新塘小学护学岗（早）", "place": "新塘小学东门"})

    assert 'value="新塘小学门口"' in page
    assert bad.status_code == 400 and field_error(bad, "capacity") and unchanged.capacity == 2
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.place, task.version) == ("新塘小学护学岗（早）", "新塘小学东门", 2)


def test_a_cancelled_task_is_not_edited(client):
    w = world()
    task = published(w)
    client.force_login(w.leader)
    client.post(reverse("volunteers:team-task-cancel", args=[task.pk]), {"reason": "场地占用"})

    response = client.post(reverse("volunteers:team-task-edit", args=[task.pk]), {"title": "改了"})

    assert response.status_code == 409
    assert Task.objects.get(pk=task.pk).title == "新塘小学护学岗"


def test_another_teams_leader_cannot_see_or_edit_the_task(client):
    w = world()
    task = published(w)
    client.force_login(w.officer_b)

    assert client.get(reverse("volunteers:team-task-edit", args=[task.pk])).status_code == 404
    assert (
        client.post(reverse("volunteers:team-task-edit", args=[task.pk]), {"title": "x"}).status_code == 404
    )
    assert (
        client.patch(
            f"/api/v1/volunteer-tasks/{task.pk}/", {"title": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Task.objects.get(pk=task.pk).title == "新塘小学护学岗"


# --- no-shows --------------------------------------------------------------------------------


def test_the_leader_records_a_no_show_once_the_task_has_started(client):
    w = world()
    task = published(w)
    with time_machine.travel(task.starts_at - dt.timedelta(hours=3), tick=False):
        claim = task_claim(actor=w.volunteer.user, task=task)
    url = reverse("volunteers:team-no-show", args=[claim.pk])

    client.force_login(w.volunteer.user)
    assert client.post(url).status_code == 404
    client.force_login(w.officer_b)
    assert client.post(url).status_code == 404
    assert Claim.objects.get(pk=claim.pk).status == "claimed"

    with time_machine.travel(task.starts_at + dt.timedelta(minutes=20), tick=False):
        client.force_login(w.leader)  # a session of that day
        page = client.get(reverse("volunteers:team")).content.decode()
        client.post(url)
        client.post(url)  # a double tap

    assert 'data-testid="no-show"' in page
    assert Claim.objects.get(pk=claim.pk).status == "no_show"
    assert AuditEvent.objects.filter(verb="volunteer_claim.no_show").count() == 1


# --- a member's status and points ------------------------------------------------------------


def test_the_leader_suspends_a_volunteer_with_a_reason(client):
    w = world()
    client.force_login(w.leader)
    url = reverse("volunteers:team-member-suspend", args=[w.volunteer.pk])

    member = client.get(reverse("volunteers:team-member", args=[w.volunteer.pk])).content.decode()
    form = client.get(url).content.decode()
    bad = client.post(url, {"reason": ""})
    still = Volunteer.objects.get(pk=w.volunteer.pk).status
    done = client.post(url, {"reason": "多次无故缺勤"})

    assert 'data-testid="suspend"' in member and 'data-testid="reject"' not in member
    assert "data-confirm=" in form
    assert bad.status_code == 400 and field_error(bad, "reason") and still == "active"
    assert done.status_code == 302
    v = Volunteer.objects.get(pk=w.volunteer.pk)
    assert (v.status, v.status_reason) == ("suspended", "多次无故缺勤")
    assert AuditEvent.objects.get(verb="volunteer.suspend").reason == "多次无故缺勤"


def test_a_volunteer_and_another_teams_leader_cannot_suspend(client):
    w = world()
    url = reverse("volunteers:team-member-suspend", args=[w.volunteer.pk])
    for user in (w.volunteer.user, w.officer_b):
        client.force_login(user)
        assert client.post(url, {"reason": "看不顺眼"}).status_code == 404
    assert Volunteer.objects.get(pk=w.volunteer.pk).status == "active"


def test_the_leader_adjusts_points_with_a_reason(client):
    w = world()
    client.force_login(w.leader)
    url = reverse("volunteers:team-member-points", args=[w.volunteer.pk])

    zero = client.post(url, {"amount": "0", "reason": "补录"})
    no_reason = client.post(url, {"amount": "5", "reason": ""})
    below = client.post(url, {"amount": "-5", "reason": "扣减"})
    nothing = PointsEntry.objects.count()
    done = client.post(url, {"amount": "15", "reason": "补录上周巡逻"})

    assert zero.status_code == 400 and field_error(zero, "amount")
    assert no_reason.status_code == 400 and field_error(no_reason, "reason")
    assert below.status_code == 409 and "The balance cannot go below zero." in below.content.decode()
    assert nothing == 0
    assert done.status_code == 302 and points_balance(w.volunteer.pk) == 15


def test_a_volunteer_cannot_adjust_points_on_the_page_or_the_api(client):
    w = world()
    client.force_login(w.volunteer.user)

    page = client.post(
        reverse("volunteers:team-member-points", args=[w.volunteer.pk]), {"amount": "9", "reason": "x"}
    )
    api = client.post(
        f"/api/v1/volunteers/{w.volunteer.pk}/points/adjust/", {"amount": 9, "reason": "x"},
        content_type="application/json",
    )  # fmt: skip

    assert page.status_code == 404 and api.status_code == 403
    assert PointsEntry.objects.count() == 0


# --- the reward shop -------------------------------------------------------------------------


def test_the_leader_puts_an_item_on_sale_once(client):
    w = world()
    client.force_login(w.leader)
    data = {"agency": w.c.station_a.pk, "name": "保温杯", "price": "20", "stock": "3", "request_key": "s1"}

    page = client.get(reverse("volunteers:team-shop-new")).content.decode()
    bad = client.post(reverse("volunteers:team-shop-new"), data | {"price": "0"})
    none = RewardItem.objects.count()
    client.post(reverse("volunteers:team-shop-new"), data)
    client.post(reverse("volunteers:team-shop-new"), data)

    assert w.c.station_a.name in page and w.c.station_b.name not in page
    assert bad.status_code == 400 and field_error(bad, "price") and none == 0
    item = RewardItem.objects.get()
    assert (item.agency, item.name, item.price, item.stock) == (w.c.station_a, "保温杯", 20, 3)


def test_restock_from_the_shop_list_adds_once_per_form(client):
    w = world()
    item = reward_item_create(actor=None, agency=w.c.station_a, name="雨伞", price=10, stock=1)
    client.force_login(w.leader)
    url = reverse("volunteers:team-shop-restock", args=[item.pk])
    prefix = f"i{item.pk}"

    listing = client.get(reverse("volunteers:team-shop")).content.decode()
    bad = client.post(url, {f"{prefix}-add": "0", f"{prefix}-request_key": "r1"})
    client.post(url, {f"{prefix}-add": "5", f"{prefix}-request_key": "r1"})
    client.post(url, {f"{prefix}-add": "5", f"{prefix}-request_key": "r1"})  # the retry

    assert f'name="{prefix}-add"' in listing and 'data-testid="restock-submit"' in listing
    assert bad.status_code == 400 and field_error(bad, "add")
    assert RewardItem.objects.get(pk=item.pk).stock == 6


def test_the_leader_prices_and_withdraws_an_item(client):
    w = world()
    item = reward_item_create(actor=None, agency=w.c.station_a, name="雨伞", price=10, stock=1)
    client.force_login(w.leader)

    bad = client.post(reverse("volunteers:team-shop-price", args=[item.pk]), {"price": "-3"})
    client.post(reverse("volunteers:team-shop-price", args=[item.pk]), {"price": "12"})
    no_reason = client.post(reverse("volunteers:team-shop-withdraw", args=[item.pk]), {"reason": ""})
    on_sale = RewardItem.objects.get(pk=item.pk).active
    client.post(reverse("volunteers:team-shop-withdraw", args=[item.pk]), {"reason": "供应商停产"})

    assert bad.status_code == 400 and field_error(bad, "price")
    assert no_reason.status_code == 400 and field_error(no_reason, "reason") and on_sale
    item.refresh_from_db()
    assert (item.price, item.active) == (12, False)
    assert AuditEvent.objects.get(verb="reward_item.withdraw").reason == "供应商停产"


def test_a_volunteer_and_another_station_cannot_stock_the_shop(client):
    w = world()
    item = reward_item_create(actor=None, agency=w.c.station_a, name="雨伞", price=10, stock=1)
    for user in (w.volunteer.user, w.officer_b):
        client.force_login(user)
        page = client.post(
            reverse("volunteers:team-shop-restock", args=[item.pk]),
            {f"i{item.pk}-add": "5", f"i{item.pk}-request_key": "x"},
        )
        api = client.post(
            f"/api/v1/shop-items/{item.pk}/restock/", {"add": 5}, content_type="application/json"
        )
        assert page.status_code == 404 and api.status_code == 404
        created = client.post(
            reverse("volunteers:team-shop-new"),
            {"agency": w.c.station_a.pk, "name": "假货", "price": "1", "stock": "1"},
        )
        assert created.status_code in (403, 404)
    assert RewardItem.objects.get(pk=item.pk).stock == 1
    assert RewardItem.objects.count() == 1
