"""A Celery worker is killed (SIGKILL) in the middle of dispatch and in the middle of sending a
notification: the task is redone by another worker, and nothing reaches anyone twice.
and in the middle of a peace-index recomputation: the run is finished by another worker, each
month written once."""

from __future__ import annotations

import psycopg
import pytest

from tests.faults.conftest import FIGURES, Gateway, Stack
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.faults]


def _heartbeats(stack: Stack) -> int:
    rows = stack.sql("SELECT count FROM governance_heartbeat WHERE name = 'celery'")
    return int(rows[0][0]) if rows else 0


def test_a_worker_killed_while_announcing_an_order_leaves_the_task_to_another_worker(stack: Stack) -> None:
    seeded = stack.seed()
    stack.start_web()
    stack.start_worker("first")
    # Hold the inbox table so that the worker stops inside the task, in its INSERT.
    holder = psycopg.connect(stack.cluster.url(stack.db))
    holder.execute("LOCK TABLE governance_notification IN SHARE ROW EXCLUSIVE MODE")
    response = stack.post_alert(seeded["commander_token"], "crash-1", seeded["village_code"])
    assert response.status_code == 201
    wait_for(
        lambda: (
            stack.count(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (stack.db,),
            )
            == 1
        ),
        timeout=30,
        what=f"the worker to block inside the task\n{stack.log('first')[-2000:]}",
    )
    stack.kill("first")
    holder.rollback()
    holder.close()

    stack.start_worker("second", beat=True)
    notices = "SELECT count(*) FROM governance_notification WHERE kind = 'order.new' AND recipient_id = %s"
    wait_for(
        lambda: stack.count(notices, (seeded["officer"],)) == 1,
        timeout=60,
        what=f"the second worker to redo the task\n{stack.log('second')[-3000:]}",
    )
    # Past two more visibility timeouts (4 s each, heartbeats every second) nothing is redone.
    beats = _heartbeats(stack)
    wait_for(lambda: _heartbeats(stack) >= beats + 9, timeout=40, what="nine more heartbeats")
    assert stack.count(notices, (seeded["officer"],)) == 1
    assert stack.count("SELECT count(*) FROM stations_dispatchorder") == 1
    FIGURES["alerts sent"] += 1


def test_a_worker_killed_while_the_gateway_holds_its_sms_leaves_one_delivery_under_one_key(
    stack: Stack, gateway: Gateway
) -> None:
    seeded = stack.seed("--sms-url", gateway.url, "--accept-seconds", "1")
    stack.start_web()
    stack.start_beat("beat")
    stack.start_worker("first")
    gateway.hold()
    response = stack.post_alert(seeded["commander_token"], "crash-2", seeded["village_code"])
    assert response.status_code == 201
    # The accept clock passes, the sweep escalates, and the commander's SMS reaches the gateway,
    # which does not answer: the worker is inside the HTTP call.
    wait_for(lambda: len(gateway.requests) == 1, timeout=40, what=f"the SMS\n{stack.log('first')[-3000:]}")
    stack.kill("first")
    gateway.release()
    message = "SELECT status, attempts, idempotency_key FROM governance_outboundmessage"
    assert [row[0] for row in stack.sql(message)] == ["sending"]

    stack.start_worker("second")
    # The claim's lease (3 s here, five minutes in production) passes; the sweep offers it again.
    wait_for(
        lambda: stack.sql(message)[0][0] == "sent",
        timeout=60,
        what=f"the resend\n{stack.log('second')[-3000:]}",
    )
    beats = _heartbeats(stack)
    wait_for(lambda: _heartbeats(stack) >= beats + 6, timeout=40, what="six more heartbeats")
    rows = stack.sql(message + " ORDER BY id")
    print(
        rows, stack.sql("SELECT id, recipient_id, kind, title FROM governance_notification"), gateway.requests
    )
    [(status, attempts, key)] = rows
    assert (status, attempts) == ("sent", 2)
    # The gateway saw the message twice (the first answer went to a dead worker) under one
    # Idempotency-Key, so it delivers it once; the inbox has it once.
    assert gateway.keys() == [key, key]
    assert gateway.delivered == 1
    assert stack.count("SELECT count(*) FROM governance_notification WHERE kind = 'order.breach'") == 1
    assert stack.count("SELECT count(*) FROM stations_clockbreach") == 1
    FIGURES["alerts sent"] += 1


def test_a_worker_killed_during_a_recomputation_leaves_the_run_to_another_worker(stack: Stack) -> None:
    # Hold the scores table so that the worker stops inside the first month's write.
    holder = psycopg.connect(stack.cluster.url(stack.db))
    seeded = stack.seed("--peace-run")
    holder.execute("LOCK TABLE peace_index_villagescore IN SHARE ROW EXCLUSIVE MODE")
    stack.start_worker("first", queues="scores")
    wait_for(
        lambda: (
            stack.count(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (stack.db,),
            )
            == 1
        ),
        timeout=30,
        what=f"the worker to block inside the recomputation\n{stack.log('first')[-2000:]}",
    )
    stack.kill("first")
    holder.rollback()
    holder.close()

    stack.start_worker("second", queues="scores")
    run = "SELECT status, done, scores_written FROM peace_index_recomputerun WHERE id = %s"
    wait_for(
        lambda: stack.sql(run, (seeded["peace_run"],))[0][0] == "done",
        timeout=60,
        what=f"the second worker to finish the run\n{stack.log('second')[-3000:]}",
    )
    assert stack.sql(run, (seeded["peace_run"],)) == [("done", 12, 36)]  # 3 villages x 12 months
    assert stack.count("SELECT count(*) FROM peace_index_villagescore") == 36
