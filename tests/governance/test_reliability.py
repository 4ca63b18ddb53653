"""The platform's own safety nets, in-process: the outbox of tasks the broker refused, the 503
answer when the database is unreachable, readiness, and the request id carried into tasks."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from governance.background import on_commit_delay, pending_tasks_publish
from governance.middleware import request_id_var
from governance.models import Heartbeat, PendingTask
from governance.structured_logs import JsonFormatter, _carry_request_id

pytestmark = pytest.mark.django_db


def test_a_task_the_broker_refuses_waits_in_the_outbox_and_is_published_once_it_answers(
    django_capture_on_commit_callbacks,
) -> None:
    down = BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    token = request_id_var.set("req-12345678")
    try:
        with (
            mock.patch("celery.app.task.Task.delay", side_effect=down),
            django_capture_on_commit_callbacks(execute=True),
        ):
            on_commit_delay("governance.heartbeat", "celery")
    finally:
        request_id_var.reset(token)
    row = PendingTask.objects.get()
    assert (row.name, row.args, row.kwargs, row.headers) == (
        "governance.heartbeat",
        ["celery"],
        {},
        {"request_id": "req-12345678"},
    )
    with mock.patch("governance.background.current_app.send_task") as send_task:
        assert pending_tasks_publish() == 1
    send_task.assert_called_once_with(
        "governance.heartbeat", args=["celery"], kwargs={}, headers={"request_id": "req-12345678"}
    )
    assert PendingTask.objects.count() == 0


def test_the_outbox_keeps_its_tasks_while_the_broker_is_still_down() -> None:
    PendingTask.objects.create(name="governance.heartbeat", args=["celery"])
    with mock.patch("governance.background.current_app.send_task", side_effect=BrokerDown("down")):
        assert pending_tasks_publish() == 0
    assert PendingTask.objects.count() == 1


def test_a_lost_database_connection_answers_503_with_a_message_on_the_api_and_on_pages(
    admin_user,
) -> None:
    client = Client()
    client.force_login(admin_user)
    lost = OperationalError("terminating connection due to administrator command")
    with mock.patch("governance.api.views.jurisdiction_for", side_effect=lost):
        api = client.get("/api/v1/me/")
    assert api.status_code == 503
    assert api["Retry-After"] == "5"
    assert api.json()["error"]["code"] == "service_unavailable"
    assert "Nothing was saved; try again." in api.json()["error"]["message"]
    with mock.patch("governance.views.inbox_for", side_effect=lost):
        page = client.get("/inbox/")
    assert page.status_code == 503
    assert "Nothing was saved; try again." in page.content.decode()


def test_readiness_names_the_missing_worker_and_broker() -> None:
    with mock.patch("governance.views.broker_answers", return_value=False):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "ready": False, "database": "ok", "broker": "down", "worker": "stale", "worker_heartbeat_age_seconds": None,
    }  # fmt: skip


def test_readiness_is_ready_with_the_database_the_broker_and_a_fresh_heartbeat() -> None:
    Heartbeat.objects.create(name="celery", beat_at=timezone.now() - timedelta(seconds=3), count=1)
    with mock.patch("governance.views.broker_answers", return_value=True):
        response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["ready"], body["database"], body["broker"], body["worker"]) == (True, "ok", "ok", "ok")


def test_the_request_id_goes_into_the_task_headers_and_every_json_log_line() -> None:
    token = request_id_var.set("req-abcdefgh")
    try:
        headers: dict[str, str] = {}
        _carry_request_id(headers=headers)
        record = logging.makeLogRecord(
            {"name": "stations", "levelname": "INFO", "msg": "order %s", "args": (7,)}
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert headers == {"request_id": "req-abcdefgh"}
    assert (line["message"], line["request_id"], line["logger"]) == ("order 7", "req-abcdefgh", "stations")


def test_every_response_carries_its_request_id() -> None:
    response = Client().get("/healthz", headers={"X-Request-ID": "lb-0123456789"})
    assert response["X-Request-ID"] == "lb-0123456789"
