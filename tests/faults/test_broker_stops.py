"""Redis (the broker) stops while alerts keep arriving: every intake still succeeds and is saved;
the tasks the broker refused wait in the database's outbox, and when Redis is back every order
reaches its station exactly once."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import FIGURES, Stack
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.faults]


def test_alerts_taken_while_the_broker_is_down_are_saved_and_announced_once_it_is_back(stack: Stack) -> None:
    seeded = stack.seed()
    token, village = seeded["commander_token"], seeded["village_code"]
    stack.start_web()
    stack.start_worker("worker", beat=True)
    before = [stack.post_alert(token, f"up-{i}", village) for i in range(3)]
    assert [r.status_code for r in before] == [201, 201, 201]

    stack.redis.stop()
    FIGURES["faults injected"] += 1
    slowest = 0.0
    during = []
    for i in range(12):
        started = time.monotonic()
        during.append(stack.post_alert(token, f"down-{i}", village))
        slowest = max(slowest, time.monotonic() - started)
    assert [r.status_code for r in during] == [201] * 12, [r.text for r in during if r.status_code != 201]
    # Saved and dispatched to the station at once; only the station's notice waits for the broker.
    assert stack.count("SELECT count(*) FROM stations_alert") == 15
    assert stack.count("SELECT count(*) FROM stations_dispatchorder WHERE status = 'dispatched'") == 15
    assert (
        stack.count("SELECT count(*) FROM governance_pendingtask WHERE name = 'stations.notify_new_order'")
        == 12
    )
    assert slowest < 5.0, f"an intake took {slowest:.1f} s with the broker down"

    stack.redis.start()
    officer = seeded["officer"]
    notices = "SELECT count(*) FROM governance_notification WHERE kind = 'order.new' AND recipient_id = %s"
    wait_for(
        lambda: (
            stack.count(notices, (officer,)) == 15
            and stack.count("SELECT count(*) FROM governance_pendingtask") == 0
        ),
        timeout=60,
        what=f"the outbox to drain\n{stack.log('worker')[-3000:]}",
    )
    # Two more outbox sweeps after the drain change nothing: each order was announced once.
    sweeps = stack.log("worker").count("governance.publish_pending_tasks[")
    wait_for(
        lambda: stack.log("worker").count("governance.publish_pending_tasks[") >= sweeps + 4,
        timeout=30,
        what="two more outbox sweeps",
    )
    per_order = stack.sql(
        "SELECT link, count(*) FROM governance_notification WHERE kind = 'order.new' AND recipient_id = %s "
        "GROUP BY link",
        (officer,),
    )
    assert len(per_order) == 15 and {n for _, n in per_order} == {1}
    FIGURES["alerts sent"] += 15
    FIGURES["alerts lost"] += 15 - len(per_order)
    FIGURES["duplicates"] += sum(n - 1 for _, n in per_order)
