"""The peace index in a real browser: a township official opens the ranking of her villages,
drills into a village's decomposition, comes back and approves the month."""

from __future__ import annotations

import pytest
from django.utils import timezone

from governance.months import add_months, current_month
from peace_index.compute import scores_compute
from peace_index.models import DataSource, TownshipReview
from peace_index.services import data_import
from tests.e2e.conftest import screenshot
from tests.e2e.test_personas import log_in, only_local
from tests.peace_index.factories import peace_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_official_reads_the_ranking_drills_into_a_village_and_approves(page_factory, live_server):
    pw = peace_world()
    now = timezone.now()
    month = current_month(now)
    a2 = pw.c.village_a2
    data_import(
        actor=pw.w.county_admin, county=pw.c.county, source=DataSource.CASES,
        first_month=add_months(month, -11), last_month=month, recompute=False, now=now,
        rows=[(2, {"ref": "A1", "village": a2.code, "date": f"{month:%Y-%m}-01", "severity": "serious", "late": "是"})],
    )  # fmt: skip
    data_import(
        actor=pw.w.county_admin, county=pw.c.county, source=DataSource.PETITIONS,
        first_month=add_months(month, -11), last_month=month, rows=[], recompute=False, now=now,
    )  # fmt: skip
    for m in (add_months(month, -1), month):
        scores_compute(county=pw.c.county, month=m, version=pw.version, now=now)

    page = page_factory()
    log_in(page, live_server, pw.w.township_official.username)
    page.click('[data-testid="nav-peace"]')
    page.wait_for_selector('[data-testid="ranking"]')
    rows = page.locator('[data-testid="ranking"] tbody tr')
    assert rows.count() == 2
    assert page.locator('[data-testid="review-status"]').inner_text() == "尚未审核。"
    screenshot(page, "peace-township-ranking")

    page.click(f'tr[data-village="{a2.code}"] [data-testid="village-link"]')
    page.wait_for_selector('[data-testid="decomposition"]')
    cases = page.locator('[data-testid="decomposition"] tr[data-indicator="criminal_cases"]')
    assert cases.locator("td").nth(2).inner_text() == "4"  # one serious case, severity weight 4
    assert "CASE" not in page.locator('[data-testid="penalty"]').inner_text()
    assert "A1" in page.locator('[data-testid="penalty"]').inner_text()  # reported late: a penalty
    screenshot(page, "peace-village-portrait")

    page.click('[data-testid="back"]')
    page.wait_for_selector('[data-testid="review-form"]')
    asked = []  # approving freezes the month: the page asks first
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    with page.expect_navigation():
        page.click('[data-testid="review-form-submit"]')
    assert asked and "冻结" in asked[0]
    assert page.locator('[data-testid="review-status"]').inner_text() == "已批准"
    assert page.locator('[data-testid="review-form"]').count() == 0
    review = TownshipReview.objects.get()
    assert (review.status, review.month, review.township_id) == ("approved", month, pw.c.township_a.pk)
    assert only_local(page, live_server) == []
