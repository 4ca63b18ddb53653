"""PostgreSQL restarts while alerts keep arriving: requests during the restart are refused with
HTTP 503 and a message, never half-written; the web process and the worker reconnect by
themselves, and every alert is saved once with its order, its history and its audit events."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.faults.conftest import FIGURES, Stack
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.faults]


def test_requests_during_a_database_restart_get_503_and_nothing_is_half_written(stack: Stack) -> None:
    seeded = stack.seed()
    token, village = seeded["commander_token"], seeded["village_code"]
    stack.start_web()
    stack.start_worker("worker", beat=True)
    answers: list[tuple[str, int, dict]] = []
    stop = threading.Event()
    lock = threading.Lock()

    def load(thread: int) -> None:
        n = 0
        while not stop.is_set():
            key = f"load-{thread}-{n}"
            n += 1
            try:
                response = stack.post_alert(token, key, village, timeout=20)
                answer = (key, response.status_code, response.json())
            except (requests.RequestException, ValueError) as exc:
                answer = (key, -1, {"exception": repr(exc)})
            with lock:
                answers.append(answer)

    def ok_since(start: int) -> int:
        with lock:
            return sum(1 for _, status, _ in answers[start:] if status == 201)

    with ThreadPoolExecutor(3) as pool:
        for thread in range(3):
            pool.submit(load, thread)
        wait_for(lambda: ok_since(0) >= 10, timeout=60, what="alerts before the restart")
        stack.cluster.stop("fast")
        FIGURES["faults injected"] += 1
        with lock:
            refused_from = len(answers)
        wait_for(
            lambda: len(answers) >= refused_from + 10, timeout=30, what="requests while the database is down"
        )
        stack.cluster.start()
        with lock:
            back_from = len(answers)
        wait_for(
            lambda: ok_since(back_from) >= 10, timeout=60, what=f"reconnection\n{stack.log('web')[-3000:]}"
        )
        stop.set()

    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) <= {201, 503}, statuses
    assert statuses[503] >= 10
    refused = [(key, body) for key, status, body in answers if status == 503]
    assert {body["error"]["code"] for _, body in refused} == {"service_unavailable"}
    assert {body["error"]["message"] for _, body in refused} == {
        "The service is briefly unavailable (database unreachable). Nothing was saved; try again."
    }

    # A refused intake is tried again with its Idempotency-Key: one alert per key, whether or not
    # the first attempt's commit had reached the database before the connection broke.
    retried = Counter(stack.post_alert(token, key, village).status_code for key, _ in refused)
    assert set(retried) <= {200, 201}, retried
    accepted = {key for key, status, _ in answers if status == 201} | {key for key, _ in refused}
    keys = Counter(
        k
        for (k,) in stack.sql(
            "SELECT k.key FROM stations_alert a JOIN governance_idempotencykey k ON k.result_id = a.id"
            " AND k.operation = 'stations.alert.intake'"
        )
    )
    assert set(keys) == accepted and set(keys.values()) == {1}
    alerts = len(keys)
    # Never half-written: each alert has its order, the order's first event and both audit events.
    assert stack.count("SELECT count(*) FROM stations_dispatchorder") == alerts
    assert stack.count("SELECT count(DISTINCT order_id) FROM stations_orderevent") == alerts
    assert stack.count("SELECT count(*) FROM governance_auditevent WHERE verb = 'alert.intake'") == alerts
    assert stack.count("SELECT count(*) FROM governance_auditevent WHERE verb = 'order.dispatch'") == alerts
    # The worker reconnected too: every order reaches the station, once.
    notices = "SELECT count(*), count(DISTINCT link) FROM governance_notification WHERE kind = 'order.new' AND recipient_id = %s"
    wait_for(
        lambda: stack.sql(notices, (seeded["officer"],))[0] == (alerts, alerts),
        timeout=90,
        what=f"every order announced\n{stack.log('worker')[-3000:]}",
    )
    FIGURES["alerts sent"] += alerts
