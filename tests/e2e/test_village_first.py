"""Village-first response through pages only, from dispatch to the bonus on the portrait (Quzhou's
平安指数 pilot in Changshan: "你们不用过来，事情我们已经处理了"). The desk registers a quarrel and it
is dispatched; the village cadre, told on her phone, reports that the village settled it; the
officer calls back and stands down with one tap; the township official finds the alert in the
village's bonus. Only the index's recomputation, a system's run, is started by the test."""

from __future__ import annotations

import pytest
from django.utils import timezone

from governance.months import add_months, current_month
from peace_index.compute import scores_compute
from peace_index.models import DataSource, VillageScore
from stations.models import DispatchOrder
from tests.e2e.conftest import screenshot
from tests.e2e.phone import fits_the_phone
from tests.e2e.test_personas import log_in, only_local
from tests.peace_index.factories import deliver, peace_world
from tests.stations.factories import station_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SETTLED = "两户已在村委会调解，握手言和，不需要民警到场"


def test_the_village_settles_it_the_station_stands_down_and_the_portrait_counts_it(page_factory, live_server):
    pw = peace_world()
    c = pw.c
    station_for(c)
    now = timezone.now()
    month = current_month(now)
    for source in (DataSource.CASES, DataSource.PETITIONS):
        deliver(pw, source, [], first=add_months(month, -11), last=month, now=now, recompute=False)

    # The desk registers the quarrel; it is dispatched to the station.
    officer = page_factory(width=1280, height=900)
    log_in(officer, live_server, pw.w.officer.username)
    officer.goto(f"{live_server.url}/stations/alerts/new/")
    officer.select_option("#id_category", "dispute")
    officer.fill("#id_summary", "两户因宅基地争吵")
    officer.select_option("#id_village_code", c.village_a1.code)
    officer.fill("#id_address", "一村3组")
    officer.click('[data-testid="alert-form-submit"]')
    officer.wait_for_selector('[data-testid="steps"]')
    order = DispatchOrder.objects.get()
    assert officer.locator('[data-step="village_confirm"]').count() == 0  # nothing to confirm yet

    # The village cadre is told on her phone and reports that the village settled it.
    cadre = page_factory(width=360, height=780)
    log_in(cadre, live_server, pw.cadre.username)
    cadre.goto(f"{live_server.url}/inbox/")
    cadre.locator(
        f'[data-testid="notification"] a[href$="/stations/village/orders/{order.pk}/"]'
    ).first.click()
    cadre.wait_for_selector('[data-testid="village-report"]')
    fits_the_phone(cadre)
    cadre.click('[data-testid="village-report-submit"]')  # empty: refused beside the field
    assert cadre.locator('[data-testid="field-error"][data-field="note"]').count() == 1
    cadre.fill("#id_note", SETTLED)
    cadre.click('[data-testid="village-report-submit"]')
    cadre.wait_for_selector('[data-testid="village-reported"]')
    screenshot(cadre, "village-first-reported")

    # The officer calls back and stands down.
    officer.reload()
    assert SETTLED in officer.locator('[data-testid="village-report"]').inner_text()
    officer.fill('[data-testid="note-village_confirm"]', "已回访村支书，属实")
    officer.click('[data-step="village_confirm"]')
    officer.wait_for_selector('[data-testid="order-status"]:has-text("村里已化解")')
    order.refresh_from_db()
    assert order.status == DispatchOrder.Status.VILLAGE_SETTLED and order.village_settled_at is not None

    # The index's run (debounced after events, or nightly) scores the month.
    scores_compute(county=c.county, month=month, version=pw.version, now=timezone.now())
    score = VillageScore.objects.get(village=c.village_a1, month=month, version=pw.version)
    assert score.bonus == 0.5

    official = page_factory(width=1280, height=900)
    log_in(official, live_server, pw.w.township_official.username)
    official.goto(f"{live_server.url}/peace/villages/{c.village_a1.pk}/?month={month:%Y-%m}")
    bonus = official.locator('[data-testid="bonus"]')
    assert "+0.5" in bonus.inner_text() and f"#{order.pk}" in bonus.inner_text()
    assert "两户因宅基地争吵" not in bonus.inner_text()  # the call's words stay the station's
    screenshot(official, "village-first-bonus")
    for page in (officer, cadre, official):
        assert only_local(page, live_server) == []
