"""An outbound channel (the SMS gateway) answers 500 or hangs: the message is retried with an
exponential backoff and a per-attempt time limit, then marked failed and listed for an
administrator; the web request that caused it answered at once."""

from __future__ import annotations

import itertools
import re
import time

import pytest
import requests

from tests.faults.conftest import FIGURES, Gateway, Stack
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.faults]


def _red_risk_intake(stack: Stack, seeded: dict, key: str) -> float:
    """An alert with a risk word: the request itself sends the commanders an SMS (after commit)."""
    started = time.monotonic()
    response = requests.post(
        f"{stack.web_url}/api/v1/alerts/",
        json={"channel": "110", "category": "criminal", "summary": "有人持刀威胁邻居", "address": "新塘社区8幢",
              "village_code": seeded["village_code"]},
        headers={"Authorization": f"Token {seeded['commander_token']}", "Idempotency-Key": key},
        timeout=10,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.text
    return elapsed


def _admin_lists_failed(stack: Stack, username: str) -> str:
    session = requests.Session()
    login = session.get(f"{stack.web_url}/admin/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert token is not None
    session.post(
        f"{stack.web_url}/admin/login/?next=/admin/",
        data={
            "username": username,
            "password": f"{username}-Pa55word!",
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": f"{stack.web_url}/admin/login/"},
        timeout=10,
    )
    page = session.get(f"{stack.web_url}/admin/governance/outboundmessage/?status__exact=failed", timeout=10)
    assert page.status_code == 200
    return page.text


@pytest.mark.parametrize("fault", ["answers 500", "hangs"])
def test_a_failing_gateway_is_retried_with_backoff_then_the_message_is_failed_for_the_administrator(
    stack: Stack, gateway: Gateway, fault: str
) -> None:
    stack.env |= {"NOTIFY_MAX_RETRIES": "3", "NOTIFY_HTTP_TIMEOUT_SECONDS": "1"}
    seeded = stack.seed("--sms-url", gateway.url, "--superuser", "root")
    if fault == "hangs":
        gateway.hold()
    else:
        gateway.status = 500
    FIGURES["faults injected"] += 1
    stack.start_web()
    stack.start_worker("worker", beat=True)

    elapsed = _red_risk_intake(stack, seeded, "risk-1")
    assert elapsed < 1.0, f"the intake took {elapsed:.2f} s"

    message = "SELECT status, attempts, last_error FROM governance_outboundmessage"
    wait_for(
        lambda: stack.sql(message) and stack.sql(message)[0][0] == "failed",
        timeout=60,
        what=f"the message to fail\n{stack.log('worker')[-3000:]}",
    )
    [(status, attempts, last_error)] = stack.sql(message)
    # The first attempt and three retries (NOTIFY_MAX_RETRIES), each logged with its outcome.
    assert (status, attempts) == ("failed", 4)
    outcomes = stack.sql(
        "SELECT number, outcome, http_status FROM governance_deliveryattempt ORDER BY number"
    )
    expected_status = 500 if fault == "answers 500" else None
    assert outcomes == [(n, "transient", expected_status) for n in (1, 2, 3, 4)]
    assert ("HTTP 500" if fault == "answers 500" else "Timeout") in last_error
    # Backoff: 1 s, 2 s, 4 s between the attempts (NOTIFY_RETRY_BACKOFF_SECONDS=1, doubling).
    seen = [at for _, at in gateway.requests]
    gaps = [later - earlier for earlier, later in itertools.pairwise(seen)]
    assert len(seen) == 4
    assert [round(g) >= want for g, want in zip(gaps, (1, 2, 4), strict=True)] == [True, True, True], gaps
    if fault == "hangs":
        # Each attempt gave up after the one-second time limit, not after the gateway's minute.
        durations = [d for (d,) in stack.sql("SELECT duration_ms FROM governance_deliveryattempt")]
        assert all(900 <= d < 3000 for d in durations), durations
    assert "有人持刀威胁邻居" in _admin_lists_failed(stack, "root")
