"""A shift commander watches the county board: a passed clock is on top, a new order appears without
a reload, and an order is re-dispatched to another station. A station officer opens the map of
his villages on a phone."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import Membership
from stations.models import DispatchOrder
from stations.services import alert_intake, sla_sweep
from tests.e2e.conftest import screenshot
from tests.e2e.phone import fits_the_phone
from tests.e2e.test_personas import log_in, only_local
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
R = Membership.Role
_addresses = itertools.count(1)


def report(summary, *, village="330802001001", category="dispute", now=None, **kwargs):
    return alert_intake(
        actor=None, channel="110", category=category, summary=summary,
        address=f"{summary} {next(_addresses)}号", village_code=village, now=now, **kwargs,
    ).order  # fmt: skip


def test_commander_sees_the_breach_first_and_redispatches(page_factory, live_server):
    c = county()
    station_a = station_for(c)
    station_b = station_for(c, township="b")
    commander = c.person(R.COMMANDER, c.psb, real_name="赵指挥")
    report("普通纠纷")
    report("持续斗殴", category="public_order")  # P2, clocks still running
    late = report("超时未接", category="traffic", now=timezone.now() - timedelta(minutes=20))
    assert sla_sweep() == 3

    page = page_factory(width=1280, height=900)
    log_in(page, live_server, commander.username)
    page.click('[data-testid="nav-station"]')
    page.click('[data-testid="link-board"]')
    page.wait_for_selector('[data-testid="board-orders"]')
    rows = page.locator("tbody tr[data-order-id]")
    assert rows.count() == 3
    first = rows.first
    assert first.get_attribute("data-order-id") == str(late.pk)
    assert "超时未接" in first.inner_text()
    assert first.locator("[data-due]").inner_text().startswith("-")
    assert page.locator('[data-testid="count-breached"]').inner_text() == "1"

    fresh = report("新到警情", village="330802002001")
    page.locator(f'tr[data-order-id="{fresh.pk}"]').wait_for(timeout=10_000)  # polled every 3 s
    assert page.locator("tbody tr[data-order-id]").first.get_attribute("data-order-id") == str(late.pk)
    screenshot(page, "board-commander-1280")

    form = page.locator(f'[data-testid="redispatch-{late.pk}"]')
    form.locator("summary").click()
    form.locator("select").select_option(str(station_b.pk))
    form.locator('input[name="reason"]').fill("荷花站警力外出，就近改派")
    form.locator('button[type="submit"]').click()
    page.wait_for_selector('[role="status"]')
    row = page.locator(f'tr[data-order-id="{late.pk}"]')
    assert station_b.name in row.inner_text()
    late.refresh_from_db()
    assert late.station == station_b
    assert late.status == DispatchOrder.Status.DISPATCHED
    assert station_a.pk != station_b.pk
    assert only_local(page, live_server) == []


def test_officer_opens_the_station_map_on_a_phone(page_factory, live_server):
    c = county()
    station = station_for(c)
    officer = c.person(R.OFFICER, c.station_a)
    report("定位警情", lng=118.885, lat=28.975)
    report("无坐标警情")
    page = page_factory(width=360, height=780)
    log_in(page, live_server, officer.username)
    page.goto(f"{live_server.url}/stations/{station.pk}/map/")
    page.wait_for_selector("#station-map[data-loaded]")
    assert page.get_attribute("#station-map", "data-loaded") == "2/2"
    assert page.locator("#station-map path.leaflet-interactive").count() == 4  # 2 villages, 2 markers
    assert page.locator("#station-map .leaflet-tile").count() == 0
    assert page.locator('[data-testid="map-orders"] li').count() == 2
    fits_the_phone(page)
    assert only_local(page, live_server) == []
    screenshot(page, "station-map-360")


def test_township_official_reads_the_coverage_report_on_a_phone(page_factory, live_server):
    c = county()
    station_for(c)
    official = c.person(R.TOWNSHIP_OFFICIAL, c.township_gov_a)
    page = page_factory(width=360, height=780)
    log_in(page, live_server, official.username)
    page.goto(f"{live_server.url}/stations/coverage/")
    assert page.locator('[data-testid="villages-percent"]').inner_text() == "100.0%"
    assert page.locator("tr[data-village]").count() == 2
    assert "航埠" not in page.content()
    fits_the_phone(page)
    screenshot(page, "coverage-township-360")
