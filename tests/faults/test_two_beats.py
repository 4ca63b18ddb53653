"""Two beat schedulers by mistake (two deployments, each with its beat): every periodic sweep runs
twice as often, in two workers at once, and still escalates each passed clock and each passed
time box exactly once."""

from __future__ import annotations

import pytest

from tests.faults.conftest import FIGURES, Stack
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.faults]


def test_two_beats_escalate_each_sla_breach_and_each_dispute_time_box_once(stack: Stack) -> None:
    stack.env |= {"CELERY_DISPUTES_SWEEP_SECONDS": "1"}
    seeded = stack.seed("--accept-seconds", "1", "--alerts", "4", "--overdue-disputes", "3")
    FIGURES["faults injected"] += 1
    for name in ("beat-1", "beat-2"):
        stack.start_beat(name)
    for name in ("worker-1", "worker-2"):
        stack.start_worker(name)
    breaches = "SELECT count(*) FROM stations_clockbreach"
    escalated = "SELECT count(*) FROM disputes_disputeevent WHERE verb = 'escalated'"
    wait_for(
        lambda: stack.count(breaches) == 4 and stack.count(escalated) == 3,
        timeout=60,
        what=f"the sweeps\n{stack.log('worker-1')[-2000:]}",
    )

    # Let both beats send each sweep four more times (SLA every 5 s, disputes every second).
    def sent(task: str) -> list[int]:
        return [stack.log(b).count(f"Sending due task {task}") for b in ("beat-1", "beat-2")]

    sla_from = sent("stations-sla-sweep")
    wait_for(
        lambda: all(n >= start + 2 for n, start in zip(sent("stations-sla-sweep"), sla_from, strict=True)),
        timeout=40,
        what="more SLA sweeps from both beats",
    )
    assert min(sent("disputes-escalation-sweep")) >= 4
    assert stack.count(breaches) == 4
    assert stack.count("SELECT count(*) FROM governance_auditevent WHERE verb = 'order.breach'") == 4
    assert stack.count(escalated) == 3
    assert stack.count("SELECT count(*) FROM governance_auditevent WHERE verb = 'dispute.escalated'") == 3
    tiers = stack.sql(
        "SELECT tier, escalations FROM disputes_dispute WHERE id = ANY(%s)", (seeded["disputes"],)
    )
    assert sorted(tiers) == [(2, 1)] * 3
    # Everyone told once: the commander of each breach, the township of each case.
    wait_for(
        lambda: stack.count("SELECT count(*) FROM governance_notification WHERE kind = 'order.breach'") == 4,
        timeout=30,
        what="the escalations",
    )
    duplicates = stack.count(
        "SELECT count(*) - count(DISTINCT (recipient_id, kind, link)) FROM governance_notification"
    )
    assert duplicates == 0
    assert stack.count(
        "SELECT count(*) FROM governance_notification WHERE kind = 'dispute.escalated'"
    ) == 3 * len(
        stack.sql(
            "SELECT DISTINCT recipient_id FROM governance_notification WHERE kind = 'dispute.escalated'"
        )
    )
    FIGURES["duplicates"] += duplicates
