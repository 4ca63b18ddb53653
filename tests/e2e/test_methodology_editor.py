"""The methodology editor in a real browser: the county administrator starts a draft from the
version in force, is told on the field what is wrong, tightens the bands in the form and sees in
the preview which villages would change band; publishing asks first."""

from __future__ import annotations

import pytest
from django.utils import timezone

from governance.months import add_months, current_month
from peace_index.compute import scores_compute
from peace_index.models import DataSource, MethodVersion, VillageScore
from peace_index.services import data_import
from tests.e2e.conftest import screenshot
from tests.e2e.test_personas import log_in, only_local
from tests.peace_index.factories import peace_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_county_admin_edits_a_methodology_and_sees_the_preview(page_factory, live_server):
    pw = peace_world()
    now = timezone.now()
    month = current_month(now)
    data_import(
        actor=pw.w.county_admin, county=pw.c.county, source=DataSource.CASES,
        first_month=add_months(month, -11), last_month=month, recompute=False, now=now,
        rows=[(2, {"ref": "A1", "village": pw.c.village_a2.code, "date": f"{month:%Y-%m}-01", "severity": "serious"})],
    )  # fmt: skip
    data_import(
        actor=pw.w.county_admin, county=pw.c.county, source=DataSource.PETITIONS,
        first_month=add_months(month, -11), last_month=month, rows=[], recompute=False, now=now,
    )  # fmt: skip
    scores_compute(county=pw.c.county, month=month, version=pw.version, now=now)
    scored = VillageScore.objects.filter(version=pw.version, month=month).count()
    assert scored >= 3

    page = page_factory()
    log_in(page, live_server, pw.w.county_admin.username)
    page.click('[data-testid="nav-peace"]')
    page.click('[data-testid="methods-link"]')
    page.fill('[data-testid="draft-form"] [name="name"]', "2027 年试行")
    with page.expect_navigation():
        page.click('[data-testid="draft-form-submit"]')
    draft = MethodVersion.objects.get(status="draft")
    assert page.url.endswith(f"/peace/methods/{draft.pk}/")

    form = page.locator('[data-testid="version-form"]')
    # Chinese labels, indicator by indicator, with the direction of each.
    assert "刑事案件（按严重程度加权） · 下限 L" in form.inner_text()
    assert "越低越好" in form.inner_text() and "越高越好" in form.inner_text()
    preview = page.locator('[data-testid="preview"]')
    # A copy of the version in force: the same bands.
    for row in preview.locator("tbody tr").all():
        assert (
            row.locator('[data-testid="now"]').inner_text()
            == row.locator('[data-testid="draft"]').inner_text()
        )
    assert "无。" in page.locator('[data-testid="preview-changes"]').inner_text()

    # Goalposts the wrong way round: the field says so, nothing is saved.
    form.locator('[name="criminal_cases_low"]').fill("30")
    form.locator('[name="criminal_cases_high"]').fill("10")
    with page.expect_navigation():
        page.click('[data-testid="version-form-submit"]')
    error = page.locator('[data-testid="field-error"][data-field="criminal_cases_low"]')
    assert error.inner_text() == "阈值须满足下限 L 小于上限 U。"
    assert page.locator('[name="criminal_cases_low"]').get_attribute("aria-invalid") == "true"
    draft.refresh_from_db()
    assert draft.params["indicators"]["criminal_cases"] == pw.version.params["indicators"]["criminal_cases"]

    # Stricter bands: every village with enough data below 99.8 falls to "needs attention".
    form = page.locator('[data-testid="version-form"]')
    form.locator('[name="criminal_cases_low"]').fill("0")
    form.locator('[name="criminal_cases_high"]').fill("16")
    for name, value in (("band_excellent", "100"), ("band_safe", "99.9"), ("band_basic", "99.8")):
        form.locator(f'[name="{name}"]').fill(value)
    with page.expect_navigation():
        page.click('[data-testid="version-form-submit"]')
    page.wait_for_selector('[data-testid="preview-changes"] li[data-village]')
    draft.refresh_from_db()
    assert draft.params["bands"]["safe"] == 99.9
    attention = page.locator('[data-testid="preview"] tr[data-band="attention"] [data-testid="draft"]')
    scores = VillageScore.objects.filter(version=pw.version, month=month)
    below = scores.exclude(band="insufficient").filter(score__lt=99.8)
    assert attention.inner_text() == str(below.count())
    changed = page.locator('[data-testid="preview-changes"] li[data-village]')
    moved = below.exclude(band="attention").count()
    assert changed.count() == moved > 0
    assert changed.first.inner_text().endswith("→ 关注村")
    screenshot(page, "peace-methodology-editor")

    # Publishing asks first; declining publishes nothing.
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.click('[data-testid="publish-submit"]')
    assert asked and "发布 v2" in asked[0]
    assert MethodVersion.objects.get(pk=draft.pk).status == "draft"
    assert only_local(page, live_server) == []
