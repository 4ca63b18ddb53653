"""A volunteer on a 360 px phone claims a task, checks in without network (queued on the phone,
sent when the network returns, with its original time), checks out; the leader verifies; the
volunteer redeems a reward. No page scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import browser, page_factory, screenshot  # noqa: F401 (fixtures)
from tests.e2e.phone import fits_the_phone
from tests.governance.factories import PASSWORD
from tests.volunteers.factories import LAT, LNG, published, world
from volunteers.models import Claim, Redemption
from volunteers.services import reward_item_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTH = 360


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_volunteer_claims_checks_in_offline_is_verified_and_redeems(page_factory, live_server):  # noqa: F811
    w = world()
    task = published(w, starts_at=timezone.now() + dt.timedelta(minutes=10), points=30)
    reward_item_create(actor=w.officer, agency=w.c.station_a, name="保温杯", price=20, stock=1)

    page = page_factory(width=WIDTH, height=780)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": LNG + 0.0002, "latitude": LAT, "accuracy": 10})
    log_in(page, live_server, w.volunteer.user.username)

    page.goto(f"{live_server.url}/volunteers/")
    page.wait_for_selector(f'[data-task-id="{task.pk}"]')
    fits_the_phone(page)
    screenshot(page, "volunteer-tasks-360")
    page.click('[data-testid="claim"]')
    page.wait_for_selector('[data-testid="check-in"]')
    fits_the_phone(page)

    # No network on site: the check-in waits on the phone.
    page.context.set_offline(True)
    page.click('[data-testid="check-in"]')
    page.wait_for_selector('[data-testid="queued"]:not(.d-none)')
    made = timezone.now()
    assert Claim.objects.get().status == "claimed"
    page.context.set_offline(False)
    try:
        # Chromium may announce the network itself, the queue flushes and the page reloads
        # before this nudge runs: that navigation is the flush this line asks for.
        page.evaluate("window.dispatchEvent(new Event('online'))")
    except PlaywrightError as exc:
        if "Execution context was destroyed" not in str(exc):
            raise
    page.wait_for_selector('[data-testid="check-out"]')
    claim = Claim.objects.get()
    assert claim.status == "checked_in"
    assert claim.checked_in_at is not None and claim.checked_in_at <= made
    screenshot(page, "volunteer-claims-360")
    page.click('[data-testid="check-out"]')
    page.wait_for_selector('[data-testid="history"]')
    page.wait_for_selector('[data-testid="check-out"]', state="detached")

    leader = page_factory(width=WIDTH, height=780)
    log_in(leader, live_server, w.leader.username)
    leader.goto(f"{live_server.url}/volunteers/team/")
    fits_the_phone(leader)
    leader.click('[data-testid="verify"]')
    leader.wait_for_selector('[data-testid="to-verify"]', state="detached")
    assert Claim.objects.get().status == "verified"

    page.goto(f"{live_server.url}/volunteers/shop/")
    fits_the_phone(page)
    page.once("dialog", lambda dialog: dialog.accept())  # spending points asks first
    page.click('[data-testid="redeem"]')
    page.wait_for_selector('[data-testid="redemptions"] li:has-text("保温杯")')
    assert Redemption.objects.get().status == "reserved"
    page.goto(f"{live_server.url}/volunteers/points/")
    fits_the_phone(page)
    assert "10" in page.locator('[data-testid="balance"]').inner_text()
    screenshot(page, "volunteer-points-360")
