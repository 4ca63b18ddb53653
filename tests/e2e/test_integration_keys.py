"""The county administrator, in a real browser and through pages only, issues an Open311 key for
the 12345 hotline, copies it from the one page that shows it, and revokes it after confirming."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.models import Membership
from stations.models import IntegrationClient
from tests.e2e.conftest import screenshot
from tests.e2e.test_personas import log_in, only_local
from tests.governance.factories import county

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
R = Membership.Role


def open311_answers(key: str) -> int:
    return Client().get("/open311/v2/requests.json", {"api_key": key}).status_code


def test_county_admin_issues_a_key_sees_it_once_and_revokes_it(page_factory, live_server):
    c = county()
    admin = c.person(R.COUNTY_ADMIN, c.plc, real_name="县管理员")

    page = page_factory()
    log_in(page, live_server, admin.username)
    page.click('[data-testid="nav-integrations"]')
    page.wait_for_selector('[data-testid="no-clients"]')

    # A bad entry first: the field says what is wrong, nothing is issued.
    page.select_option("#id_agency", str(c.hotline.pk))
    page.click('[data-testid="issue-key-form-submit"]')
    error = page.locator('[data-testid="field-error"][data-field="name"]')
    assert error.inner_text() == "此项为必填项。"
    assert IntegrationClient.objects.count() == 0

    page.fill("#id_name", "柯城区12345热线平台")
    page.select_option("#id_agency", str(c.hotline.pk))
    page.click('[data-testid="issue-key-form-submit"]')
    key = page.locator('[data-testid="issued-key-value"]').inner_text().strip()
    assert key.startswith("rz_")
    row = page.locator('[data-testid="integration-client"]')
    assert "柯城区12345热线" in row.inner_text()
    assert row.locator('[data-testid="client-state"]').inner_text() == "有效"
    screenshot(page, "integration-key-issued")
    assert open311_answers(key) == 200

    # Shown once: the next visit of the page shows only the fingerprint.
    page.reload()
    page.wait_for_selector('[data-testid="integration-client"]')
    assert page.locator('[data-testid="issued-key"]').count() == 0
    assert key not in page.content()
    assert page.locator('[data-testid="key-fingerprint"]').inner_text() == key[:8] + "…"

    # Revoking asks first; declining changes nothing.
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.click('[data-testid="revoke-key-submit"]')
    assert page.locator('[data-testid="client-state"]').inner_text() == "有效"
    assert open311_answers(key) == 200

    page.once("dialog", lambda d: answer(d, True))
    page.click('[data-testid="revoke-key-submit"]')
    page.wait_for_selector('[data-testid="client-state"]:text("已吊销")')
    assert len(questions) == 2 and "柯城区12345热线平台" in questions[1]
    assert page.locator('[data-testid="revoke-key-submit"]').count() == 0
    assert open311_answers(key) == 403
    screenshot(page, "integration-key-revoked")
    assert only_local(page, live_server) == []
