"""吹哨报到 through pages only, both ways: an officer blows a whistle from an order's page, the grid
worker answers it on her phone, the officer follows the inbox's notice to the whistle's page,
reopens it once and verifies it; the grid worker blows one to the police from her phone (网格有呼、
民警有应). No step uses the API or a service."""

from __future__ import annotations

import pytest

from governance.models import Membership
from stations.models import Summons, SummonsTarget
from tests.e2e.conftest import screenshot
from tests.e2e.phone import fits_the_phone
from tests.e2e.test_personas import log_in, only_local
from tests.stations.test_summons import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
R = Membership.Role
REASON = "预付卡商家跑路，群众聚集，请街道到场协调"


def answer_on_the_phone(page, target: SummonsTarget, note: str, *, check_in: bool = True) -> None:
    page.goto(page.url.split("/stations/")[0] + "/stations/grid/")
    if check_in:
        page.locator(f'[data-target-id="{target.pk}"] [data-testid="check-in"]').click()
    page.wait_for_selector(f'[data-target-id="{target.pk}"] [data-testid="checked-in"]')
    page.fill(f"#note-{target.pk}", note)
    page.locator(f'[data-target-id="{target.pk}"] [data-testid="handle"]').click()
    page.wait_for_selector('[data-testid="no-whistles"]')


def test_a_whistle_from_the_order_page_round_trip(page_factory, live_server):
    c = build_world()
    officer = page_factory()
    log_in(officer, live_server, c.officer.username)
    officer.goto(f"{live_server.url}/stations/orders/{c.order.pk}/")
    officer.click('[data-testid="blow-whistle"]')
    officer.wait_for_selector('[data-testid="whistle-form"]')
    assert officer.locator('[data-testid="deadlines"]').is_visible()

    # Sent empty: every missing field says so, in Chinese, and nothing is whistled.
    officer.click('[data-testid="whistle-form-submit"]')
    errors = officer.locator('[data-testid="field-error"]')
    assert {errors.nth(i).get_attribute("data-field") for i in range(errors.count())} >= {"urgency", "reason"}
    assert Summons.objects.count() == 0

    officer.get_by_label(c.township_gov_a.name, exact=True).check()
    officer.check('input[name="urgency"][value="emergency"]')
    officer.fill("#id_reason", REASON)
    officer.click('[data-testid="whistle-form-submit"]')
    officer.wait_for_selector('[data-testid="summons-targets"]')
    summons = Summons.objects.get()
    assert (summons.order, summons.urgency, summons.reason, summons.whistler) == (
        c.order, "emergency", REASON, c.officer,
    )  # fmt: skip
    assert officer.locator('[data-testid="target"]').count() == 1
    screenshot(officer, "whistle-blown")

    # The grid worker of the village answers on her phone.
    grid = page_factory(width=360, height=780)
    log_in(grid, live_server, c.grid_worker.username)
    target = SummonsTarget.objects.get(summons=summons)
    answer_on_the_phone(grid, target, "已到场，劝导群众有序登记")
    assert Summons.objects.get(pk=summons.pk).status == Summons.Status.HANDLED

    # The officer's inbox links to the whistle's page, where he reopens it with a reason.
    officer.goto(f"{live_server.url}/inbox/")
    officer.locator(f'[data-testid="notification"] a[href$="/stations/summons/{summons.pk}/"]').first.click()
    officer.wait_for_selector('[data-testid="reopen"]')
    assert "已到场，劝导群众有序登记" in officer.locator('[data-testid="target-handling"]').inner_text()
    officer.fill("#id_reason", "现场仍有群众未登记，请继续处置")
    officer.click('[data-testid="reopen-submit"]')
    officer.wait_for_selector('[data-testid="summons-status"]:has-text("进行中")')
    summons.refresh_from_db()
    assert (summons.status, summons.reopened_count) == (Summons.Status.OPEN, 1)

    # A reopened whistle keeps its report-in and asks for the handling again.
    answer_on_the_phone(grid, target, "已全部登记，群众散去", check_in=False)

    # Verifying closes the whistle; the page asks first.
    officer.reload()
    officer.once("dialog", lambda dialog: dialog.accept())
    officer.click('[data-testid="verify-submit"]')
    officer.wait_for_selector('[data-testid="verified"]')
    summons.refresh_from_db()
    assert (summons.status, summons.verified_by) == (Summons.Status.VERIFIED, c.officer)
    assert officer.locator('[data-testid="verify"]').count() == 0
    screenshot(officer, "whistle-verified")
    assert only_local(officer, live_server) == [] and only_local(grid, live_server) == []


def test_the_grid_worker_whistles_the_police_from_her_phone(page_factory, live_server):
    c = build_world()
    grid = page_factory(width=360, height=780)
    log_in(grid, live_server, c.grid_worker.username)
    grid.goto(f"{live_server.url}/stations/grid/whistle/")
    grid.wait_for_selector('[data-testid="whistle-form"]')
    fits_the_phone(grid)
    grid.get_by_label(c.station_a.name, exact=True).check()
    grid.check('input[name="urgency"][value="routine"]')
    grid.fill("#id_reason", "村口有人持械争吵，请民警到场")
    grid.click('[data-testid="whistle-form-submit"]')
    grid.wait_for_selector('[data-testid="summons-targets"]')
    fits_the_phone(grid)
    summons = Summons.objects.get()
    assert (summons.village, summons.whistler, summons.urgency) == (c.village_a1, c.grid_worker, "routine")
    assert [t.agency for t in summons.targets.all()] == [c.station_a]
    screenshot(grid, "grid-whistle-360")
