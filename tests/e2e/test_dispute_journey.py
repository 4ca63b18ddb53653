"""A dispute from the grid to closure, in a real browser: a grid worker registers it on a 360 px
phone, an officer triages it, records both sides' consent and accepts it, a mediator is chosen
from the proposals, holds a session, drafts and has the agreement signed, records performance
and the follow-up that closes the case."""

from __future__ import annotations

import pytest

from disputes.models import Dispute
from tests.disputes.factories import world
from tests.e2e.conftest import screenshot
from tests.e2e.phone import fits_the_phone
from tests.e2e.test_personas import log_in, only_local

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def act(page, name: str, fields: dict[str, str], *, checks: tuple[str, ...] = ()) -> None:
    """Open an action card of the case page, fill it and send it; wait for the page to reload."""
    card = page.locator(f'[data-testid="action-{name}"]')
    card.locator("summary").click()
    for field, value in fields.items():
        target = card.locator(f'[name="{name}-{field}"]')
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    for field in checks:
        for box in card.locator(f'[name="{name}-{field}"]').all():
            box.check()
    with page.expect_navigation():
        card.locator(f'[data-testid="do-{name}-submit"]').click()


def status_of(page) -> str:
    return page.locator('[data-testid="case-status"]').inner_text()


def test_grid_report_to_follow_up_closure(page_factory, live_server):
    w = world()

    # The grid worker on her phone.
    phone = page_factory(width=360, height=780)
    log_in(phone, live_server, w.grid_worker.username)
    phone.goto(f"{live_server.url}/disputes/grid/new/")
    phone.select_option('[name="category"]', "neighbour")
    phone.select_option('[name="village"]', w.c.village_a1.code)
    phone.fill('[name="summary"]', "两户因排水沟堵塞发生争执")
    phone.fill('[name="parties-0-name"]', "张三")
    phone.fill('[name="parties-0-phone"]', "13800000001")
    phone.fill('[name="parties-1-name"]', "李四")
    fits_the_phone(phone)
    screenshot(phone, "dispute-grid-register-360")
    with phone.expect_navigation():
        phone.click('[data-testid="register-submit"]')
    dispute = Dispute.objects.get()
    assert (dispute.channel, dispute.registered_by_id) == ("visit", w.grid_worker.pk)
    assert only_local(phone, live_server) == []

    # The officer triages, records consent and accepts, then assigns the proposed mediator.
    desk = page_factory()
    log_in(desk, live_server, w.officer.username)
    desk.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    assert "两户因排水沟堵塞发生争执" in desk.locator("h1").inner_text()
    assert "138****0001" in desk.locator('[data-testid="parties"]').inner_text()
    act(desk, "triage", {"decision": "accept", "complexity": "simple"})
    for _ in range(2):
        form = desk.locator('[data-testid="consent-form"]').first
        form.locator('[name="consent-rights_informed"]').check()
        with desk.expect_navigation():
            form.locator("button").click()
    assert desk.locator('[data-testid="consented"]').count() == 2
    act(desk, "accept", {})
    proposal = desk.locator(f'[data-testid="proposal"][data-mediator-id="{w.mediator.pk}"]')
    with desk.expect_navigation():
        proposal.locator("button").click()
    assert w.mediator_user.profile.real_name in desk.locator('[data-testid="mediators"]').inner_text()
    screenshot(desk, "dispute-case-assigned")

    # The mediator holds a session, has the agreement signed, records performance and follows up.
    mediator = page_factory()
    log_in(mediator, live_server, w.mediator_user.username)
    mediator.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    act(
        mediator,
        "session",
        {"kind": "mediation", "held_at": "2026-01-05T10:00", "place": "新塘社区调解室", "attendees": "张三、李四",
         "minutes": "双方同意共同清理排水沟"},
    )  # fmt: skip
    respondent = dispute.parties.get(role="respondent")
    act(
        mediator,
        "agreement",
        {"facts": "两户共用排水沟堵塞，雨水倒灌。", "responsibilities": "双方共同负责清理。",
         "terms-0-obligor": str(respondent.pk), "terms-0-description": "清理排水沟并修复盖板",
         "terms-0-due_date": "2099-06-30", "terms-0-method": "自行清理"},
    )  # fmt: skip
    act(mediator, "sign", {}, checks=("signed_by",))
    assert mediator.locator('[data-testid="signed"]').count() == 1
    with mediator.expect_navigation():
        mediator.click('[data-testid="perform"]')
    act(mediator, "follow_up", {"satisfaction": "5", "note": "回访：排水通畅，双方满意"})

    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.CLOSED
    assert dispute.follow_ups.get().satisfaction == 5
    verbs = list(dispute.events.values_list("verb", flat=True))
    assert verbs[0] == "registered" and verbs[-1] == "closed"
    assert {"mediator_assigned", "session", "agreement_signed", "obligation_performed"} <= set(verbs)
    assert only_local(desk, live_server) == [] and only_local(mediator, live_server) == []
