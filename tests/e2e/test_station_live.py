"""A station officer watches the dashboard; a new alert arrives through the API and appears
without a reload; the officer walks it to closure with one tap per step."""

from __future__ import annotations

import pytest
from django.utils import translation

from governance.models import Membership
from stations.models import DispatchOrder
from stations.services import alert_intake
from tests.e2e.conftest import screenshot
from tests.e2e.test_personas import log_in, only_local
from tests.governance.factories import county
from tests.stations.factories import station_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
R = Membership.Role


def test_new_alert_appears_live_and_is_walked_to_closure(page_factory, live_server):
    c = county()
    station = station_for(c)
    officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    page = page_factory(width=1280, height=900)
    log_in(page, live_server, officer.username)
    page.click('[data-testid="nav-station"]')
    page.wait_for_selector('[data-testid="open-orders"]')
    assert station.name in page.locator('[data-testid="station-name"]').inner_text()
    assert page.locator("[data-order-id]").count() == 0

    order = alert_intake(
        actor=None, channel="110", category="public_order", summary="村口有人持棍斗殴", address="新塘社区村口",
        village_code="330802001001", caller_phone="13812345678",
    ).order  # fmt: skip
    row = page.locator(f'[data-order-id="{order.pk}"]')
    row.wait_for(timeout=5_000)  # pushed on the live channel: it shows without a reload
    assert "村口有人持棍斗殴" in row.inner_text()
    assert "table-warning" in (row.get_attribute("class") or "")
    assert row.locator("[data-due]").inner_text().count(":") == 1

    row.locator("a").click()
    page.wait_for_selector('[data-testid="steps"]')
    assert "13812345678" not in page.content()
    for step in ("accept", "contact", "arrive", "handle"):
        page.click(f'button[data-step="{step}"]')
        page.wait_for_load_state()
    page.fill('[data-testid="note-resolve"]', "双方和解，已教育")
    page.click('button[data-step="resolve"]')
    page.wait_for_load_state()
    page.click('button[data-step="close"]')
    page.wait_for_load_state()
    with translation.override("zh-hans"):
        closed = str(DispatchOrder.Status.CLOSED.label)
    assert page.locator('[data-testid="order-status"]').inner_text() == closed
    order.refresh_from_db()
    assert order.status == DispatchOrder.Status.CLOSED
    assert order.accepted_by == officer
    assert order.outcome == "双方和解，已教育"
    assert only_local(page, live_server) == []


def test_a_walk_in_is_registered_at_the_desk_and_a_bad_phone_is_said_beside_it(page_factory, live_server):
    c = county()
    station_for(c)
    officer = c.person(R.OFFICER, c.station_a, real_name="王警官")
    page = page_factory(width=1280, height=900)
    log_in(page, live_server, officer.username)
    page.click('[data-testid="nav-station"]')
    page.click('a[href="/stations/alerts/new/"]')
    page.wait_for_selector('[data-testid="alert-form"]')
    page.select_option("#id_category", "help")
    page.fill("#id_summary", "老人走失")
    page.select_option("#id_village_code", "330802001001")
    page.fill("#id_address", "新塘社区")
    page.fill("#id_caller_phone", "123")
    page.click('[data-testid="alert-form-submit"]')
    error = page.locator('[data-testid="field-error"][data-field="caller_phone"]')
    assert "手机号" in error.inner_text()
    screenshot(page, "desk-alert-refused")
    assert DispatchOrder.objects.count() == 0
    # What was typed is still there; the phone is put right and the alert goes to the station.
    assert page.input_value("#id_summary") == "老人走失"
    page.fill("#id_caller_phone", "13812345678")
    page.click('[data-testid="alert-form-submit"]')
    page.wait_for_selector('[data-testid="steps"]')
    order = DispatchOrder.objects.get()
    assert (order.alert.channel, order.alert.summary, order.station.police_agency) == (
        "walk_in", "老人走失", c.station_a,
    )  # fmt: skip
    assert "13812345678" not in page.content()
    assert only_local(page, live_server) == []
