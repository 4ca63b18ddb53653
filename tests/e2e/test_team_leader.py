"""The team leader on a 360 px phone, pages only: publishes a task from /volunteers/team/ and
restocks the reward shop (积分超市); then a volunteer claims the task and checks in on site, the
leader verifies, the volunteer redeems the restocked item. No page scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.e2e.conftest import browser, page_factory, screenshot  # noqa: F401 (fixtures)
from tests.e2e.phone import fits_the_phone
from tests.governance.factories import PASSWORD
from tests.volunteers.factories import LAT, LNG, world
from volunteers.models import Claim, Redemption, RewardItem, Task
from volunteers.services import reward_item_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTH = 360


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_leader_publishes_a_task_and_restocks_the_shop_then_the_volunteer_serves_and_redeems(
    page_factory,  # noqa: F811
    live_server,
):
    w = world()
    item = reward_item_create(actor=None, agency=w.c.station_a, name="保温杯", price=20, stock=0)
    starts = timezone.localtime(timezone.now() + dt.timedelta(minutes=10))

    leader = page_factory(width=WIDTH, height=780)
    log_in(leader, live_server, w.leader.username)
    leader.goto(f"{live_server.url}/volunteers/team/")
    fits_the_phone(leader)
    leader.click('[data-testid="publish-task"]')
    leader.wait_for_selector('[data-action="volunteers.task.publish"]')
    fits_the_phone(leader)
    leader.select_option("#id_task_type", "patrol")
    leader.fill("#id_title", "荷花村夜间巡逻")
    leader.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    leader.fill("#id_ends_at", (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    leader.fill("#id_place", "荷花村文化广场")
    leader.fill("#id_lng", str(LNG))
    leader.fill("#id_lat", str(LAT))
    leader.fill("#id_capacity", "1")  # volunteers work in pairs: refused on its field
    leader.fill("#id_points", "30")
    leader.click('[data-testid="action-form-submit"]')
    leader.wait_for_selector('[data-testid="field-error"][data-field="capacity"]')
    assert Task.objects.count() == 0
    screenshot(leader, "leader-publish-error-360")
    leader.fill("#id_capacity", "2")
    leader.click('[data-testid="action-form-submit"]')
    leader.wait_for_selector('[data-testid="upcoming-task"]:has-text("荷花村夜间巡逻")')
    task = Task.objects.get()
    assert (task.kind, task.capacity, task.points, task.team) == ("patrol", 2, 30, w.team)

    leader.click('[data-testid="team-shop"]')
    card = leader.locator(f'[data-testid="shop-item"][data-item="{item.pk}"]')
    fits_the_phone(leader)
    card.locator(f"#id_i{item.pk}-add").fill("3")
    card.locator('[data-testid="restock-submit"]').click()
    leader.wait_for_selector('[data-testid="shop-item-figures"]:has-text("3")')
    assert RewardItem.objects.get(pk=item.pk).stock == 3
    screenshot(leader, "leader-shop-360")

    # The volunteer claims, checks in and out on site.
    phone = page_factory(width=WIDTH, height=780)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"longitude": LNG + 0.0002, "latitude": LAT, "accuracy": 10})
    log_in(phone, live_server, w.volunteer.user.username)
    phone.goto(f"{live_server.url}/volunteers/")
    phone.click(f'[data-task-id="{task.pk}"] [data-testid="claim"]')
    phone.click('[data-testid="check-in"]')
    phone.wait_for_selector('[data-testid="check-out"]')
    phone.click('[data-testid="check-out"]')
    phone.wait_for_selector('[data-testid="history"]')
    phone.wait_for_selector('[data-testid="check-out"]', state="detached")
    assert Claim.objects.get().status == "checked_out"

    leader.goto(f"{live_server.url}/volunteers/team/")
    leader.click('[data-testid="verify"]')
    leader.wait_for_selector('[data-testid="to-verify"]', state="detached")
    assert Claim.objects.get().status == "verified"

    phone.goto(f"{live_server.url}/volunteers/shop/")
    fits_the_phone(phone)
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click('[data-testid="redeem"]')
    phone.wait_for_selector('[data-testid="redemptions"] li:has-text("保温杯")')
    assert Redemption.objects.get().status == "reserved"
    assert RewardItem.objects.get(pk=item.pk).stock == 2
