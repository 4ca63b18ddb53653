"""A grid worker on a 360 px phone: reports an incident with her location, sees it among her
reports, checks in to a police whistle and records what was done; no page scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from governance.models import Membership
from stations.models import Alert, Summons, SummonsTarget
from stations.services.summons import summons_whistle
from tests.e2e.conftest import screenshot
from tests.e2e.phone import fits_the_phone
from tests.e2e.test_personas import log_in, only_local
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
R = Membership.Role
WIDTH = 360
UUID = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def big_enough_to_tap(page, testid: str) -> None:
    box = page.locator(f'[data-testid="{testid}"]').first.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 200, box


def test_grid_worker_reports_checks_in_and_records_what_was_done(page_factory, live_server):
    c = county()
    station = station_for(c)
    officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    worker = c.person(R.GRID_WORKER, c.township_gov_a, scope=c.village_a1, real_name="李网格")
    summons = summons_whistle(
        actor=officer, agencies=[c.township_gov_a], urgency="emergency",
        reason="新塘社区3幢楼道堆放杂物起火隐患，请网格到场", village=c.village_a1,
    )  # fmt: skip
    target = SummonsTarget.objects.get(summons=summons)

    page = page_factory(width=WIDTH, height=780)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 118.8753, "latitude": 28.9752, "accuracy": 12})
    log_in(page, live_server, worker.username)

    page.goto(f"{live_server.url}/stations/grid/")
    whistle = page.locator(f'[data-target-id="{target.pk}"]')
    assert "楼道堆放杂物" in whistle.inner_text()
    assert whistle.locator('[data-testid="due"]').is_visible()
    fits_the_phone(page)
    big_enough_to_tap(page, "report-incident")
    big_enough_to_tap(page, "check-in")
    screenshot(page, "grid-home-360")

    # Report an incident, placed by the phone's location.
    page.click('[data-testid="report-incident"]')
    page.wait_for_selector('[data-testid="grid-report"]')
    fits_the_phone(page)
    assert UUID.match(page.input_value("#request_key"))
    page.select_option("#id_category", "public_order")
    page.fill("#id_summary", "村口有人酒后滋事")
    assert page.input_value("#id_village_code") == c.village_a1.code  # her only village, chosen
    page.fill("#id_address", "新塘社区村口小卖部")
    page.click('[data-testid="locate"]')
    # A locator wait, not wait_for_function: a string predicate is eval'd, which the CSP forbids.
    expect(page.locator("#id_lng")).not_to_have_value("")
    assert "12 m" in page.locator('[data-testid="locate-status"]').inner_text()
    big_enough_to_tap(page, "send-report")
    screenshot(page, "grid-report-360")
    page.click('[data-testid="send-report"]')
    page.wait_for_selector('[data-testid="my-reports"]')

    alert = Alert.objects.get(channel="grid")
    assert (alert.created_by, alert.village, alert.summary) == (worker, c.village_a1, "村口有人酒后滋事")
    assert (round(alert.lng, 4), round(alert.lat, 4)) == (118.8753, 28.9752)
    assert alert.order.station == station
    report = page.locator(f'[data-alert-id="{alert.pk}"]')
    assert "村口有人酒后滋事" in report.inner_text()
    assert report.locator('[data-testid="report-status"]').inner_text().strip() != ""
    fits_the_phone(page)

    # Answer the whistle: check in, then record what was done.
    page.locator(f'[data-target-id="{target.pk}"] [data-testid="check-in"]').click()
    page.wait_for_selector(f'[data-target-id="{target.pk}"] [data-testid="checked-in"]')
    target.refresh_from_db()
    assert target.checked_in_by == worker
    fits_the_phone(page)
    page.fill(f"#note-{target.pk}", "已到场清理杂物，消除隐患")
    big_enough_to_tap(page, "handle")
    page.locator(f'[data-target-id="{target.pk}"] [data-testid="handle"]').click()
    page.wait_for_selector('[data-testid="no-whistles"]')
    target.refresh_from_db()
    assert (target.handled_by, target.note) == (worker, "已到场清理杂物，消除隐患")
    assert Summons.objects.get(pk=summons.pk).status == Summons.Status.HANDLED
    fits_the_phone(page)
    screenshot(page, "grid-answered-360")
    assert only_local(page, live_server) == []
