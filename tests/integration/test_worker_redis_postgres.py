"""A real Celery worker on Redis and PostgreSQL: notifications are retried with backoff, sent once
even when the task is delivered several times, and beat runs the periodic tasks."""

from __future__ import annotations

import pytest
from django.db import transaction

from governance.models import DeliveryAttempt, Heartbeat, OutboundChannel, OutboundMessage
from governance.services.notifications import broadcast_send, notification_send
from governance.tasks import deliver_outbound_message_task
from tests.governance.factories import person
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def status_of(message_id: int) -> str:
    return OutboundMessage.objects.get(pk=message_id).status


def test_transient_failure_is_retried_by_the_worker_then_sent_once(worker, http_server, worker_log):
    http_server.responses = [(503, {"error": "busy"})]
    user = person(phone="13812345678")
    sms = OutboundChannel.objects.create(name="sms", kind="sms", endpoint=http_server.url + "/sms")
    with transaction.atomic():
        notification = notification_send(recipient=user, title="超时提醒", channels=[sms])
    message = OutboundMessage.objects.get(notification=notification)
    wait_for(lambda: status_of(message.pk) == "sent", what=f"delivery\n{worker_log.read_text()[-2000:]}")
    assert list(DeliveryAttempt.objects.filter(message=message).values_list("outcome", "http_status")) == [
        ("transient", 503),
        ("sent", None),
    ]
    assert len(http_server.requests) == 2
    assert {r.headers["Idempotency-Key"] for r in http_server.requests} == {message.idempotency_key}


def test_a_task_delivered_three_times_posts_once(worker, http_server):
    robot = OutboundChannel.objects.create(name="robot", kind="wecom", endpoint=http_server.url + "/robot")
    with transaction.atomic():
        message = broadcast_send(channel=robot, subject="演练", body="", idempotency_key="triple")
        # Simulate a redelivered task (acks_late after a lost ack) and a duplicate from the sweep.
        for _ in range(2):
            transaction.on_commit(lambda: deliver_outbound_message_task.delay(message.pk))
    wait_for(lambda: status_of(message.pk) == "sent", what="delivery")
    wait_for(lambda: Heartbeat.objects.filter(name="celery", count__gte=2).exists(), what="beat to run twice")
    assert len(http_server.requests) == 1
    assert DeliveryAttempt.objects.filter(message=message).count() == 1
