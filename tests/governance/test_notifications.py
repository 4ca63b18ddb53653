"""Inbox and outbound delivery: retried with backoff, never sent twice, every attempt logged.
Channels are exercised against a local HTTP server, never the network."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
import time_machine
from django.utils import timezone

from governance.channels import dingtalk_signed_url
from governance.models import DeliveryAttempt, Notification, OutboundChannel, OutboundMessage
from governance.services.notifications import (
    broadcast_send,
    notification_mark_read,
    notification_send,
    outbound_message_deliver,
    outbound_sweep,
    retry_delay,
)
from tests.governance.factories import UserFactory, person

pytestmark = pytest.mark.django_db
S = OutboundMessage.Status


def channel(server, kind=OutboundChannel.Kind.SMS, **kwargs):
    return OutboundChannel.objects.create(
        name=f"{kind}-{server.url}", kind=kind, endpoint=server.url + "/send", **kwargs
    )


def test_notification_lands_in_the_inbox_and_goes_out_on_sms_once(http_server, run_on_commit):
    recipient = person(phone="13912345678")
    sms = channel(http_server, secret="gateway-key")
    with run_on_commit():
        notification = notification_send(recipient=recipient, title="警单超时", body="请处理", channels=[sms])
    assert Notification.objects.filter(recipient=recipient).count() == 1
    message = OutboundMessage.objects.get(notification=notification)
    assert message.status == S.SENT and message.attempts == 1
    assert len(http_server.requests) == 1
    sent = http_server.requests[0]
    assert sent.body["phone"] == "13912345678"
    assert sent.body["message"] == "警单超时\n请处理"
    assert sent.headers["Idempotency-Key"] == message.idempotency_key
    assert sent.headers["Authorization"] == "Bearer gateway-key"
    assert list(message.attempt_log.values_list("number", "outcome")) == [(1, "sent")]


def test_same_idempotency_key_sends_nothing_twice(http_server, run_on_commit):
    recipient = person()
    sms = channel(http_server)
    with run_on_commit():
        first = notification_send(
            recipient=recipient, title="A", idempotency_key="order:7:breach", channels=[sms]
        )
        second = notification_send(
            recipient=recipient, title="A", idempotency_key="order:7:breach", channels=[sms]
        )
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    assert len(http_server.requests) == 1


def test_delivering_a_sent_message_again_does_not_post_again(http_server, run_on_commit):
    sms = channel(http_server)
    with run_on_commit():
        notification_send(recipient=person(), title="A", channels=[sms])
    message = OutboundMessage.objects.get()
    assert outbound_message_deliver(message_id=message.pk).outcome == "skipped"
    assert len(http_server.requests) == 1


def test_server_error_is_retried_with_backoff_then_sent(http_server, settings):
    settings.NOTIFY_RETRY_BACKOFF_SECONDS = 10
    http_server.responses = [(500, {"error": "busy"}), (503, {"error": "busy"})]
    robot = channel(http_server, kind=OutboundChannel.Kind.WECOM)
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        message = broadcast_send(channel=robot, subject="演练", body="", idempotency_key="drill-1")
        first = outbound_message_deliver(message_id=message.pk)
        assert (first.outcome, first.retry_in) == ("retry", 10.0)
        # Not due yet: a duplicate task arriving early does nothing.
        assert outbound_message_deliver(message_id=message.pk).outcome == "skipped"
    with time_machine.travel(start + dt.timedelta(seconds=10), tick=False):
        second = outbound_message_deliver(message_id=message.pk)
        assert (second.outcome, second.retry_in) == ("retry", 20.0)
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert outbound_message_deliver(message_id=message.pk).outcome == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (S.SENT, 3)
    assert list(message.attempt_log.values_list("outcome", "http_status")) == [
        ("transient", 500),
        ("transient", 503),
        ("sent", None),
    ]
    assert len(http_server.requests) == 3
    assert {r.headers["Idempotency-Key"] for r in http_server.requests} == {"drill-1"}


def test_retries_stop_after_the_budget_and_the_message_is_failed(http_server, settings):
    settings.NOTIFY_MAX_RETRIES = 2
    http_server.default = (502, {"error": "down"})
    robot = channel(http_server, kind=OutboundChannel.Kind.WECOM)
    message = broadcast_send(channel=robot, subject="演练", body="", idempotency_key="drill-2")
    outcomes = []
    now = timezone.now()
    for i in range(4):
        outcomes.append(
            outbound_message_deliver(message_id=message.pk, now=now + dt.timedelta(hours=i)).outcome
        )
    assert outcomes == ["retry", "retry", "failed", "skipped"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (S.FAILED, 3)
    assert "HTTP 502" in message.last_error


def test_client_error_fails_at_once(http_server):
    http_server.default = (400, {"error": "bad phone"})
    message = broadcast_send(channel=channel(http_server), subject="x", body="", idempotency_key="k-400")
    assert outbound_message_deliver(message_id=message.pk).outcome == "failed"
    assert DeliveryAttempt.objects.get(message=message).outcome == "permanent"


def test_robot_rate_limit_code_is_transient_and_other_codes_permanent(http_server):
    robot = channel(http_server, kind=OutboundChannel.Kind.WECOM)
    http_server.responses = [(200, {"errcode": 45009, "errmsg": "freq limit"}), (200, {"errcode": 93000})]
    first = broadcast_send(channel=robot, subject="a", body="", idempotency_key="rl-1")
    second = broadcast_send(channel=robot, subject="b", body="", idempotency_key="rl-2")
    assert outbound_message_deliver(message_id=first.pk).outcome == "retry"
    assert outbound_message_deliver(message_id=second.pk).outcome == "failed"


def test_hanging_gateway_times_out_and_is_retried(http_server, settings):
    settings.NOTIFY_HTTP_TIMEOUT_SECONDS = 0.2
    http_server.hang_seconds = 1.0
    message = broadcast_send(channel=channel(http_server), subject="x", body="", idempotency_key="hang-1")
    result = outbound_message_deliver(message_id=message.pk)
    assert result.outcome == "retry"
    assert "Timeout" in DeliveryAttempt.objects.get(message=message).error


def test_unreachable_gateway_is_transient():
    closed = OutboundChannel.objects.create(name="closed", kind="sms", endpoint="http://127.0.0.1:9/send")
    message = broadcast_send(channel=closed, subject="x", body="", idempotency_key="closed-1")
    assert outbound_message_deliver(message_id=message.pk).outcome == "retry"


def test_dingtalk_posts_to_the_signed_url(http_server):
    robot = channel(http_server, kind=OutboundChannel.Kind.DINGTALK, secret="SEC123")
    message = broadcast_send(channel=robot, subject="巡逻提醒", body="今晚8点", idempotency_key="dd-1")
    assert outbound_message_deliver(message_id=message.pk).outcome == "sent"
    query = urllib.parse.parse_qs(urllib.parse.urlparse(http_server.requests[0].path).query)
    expected = dingtalk_signed_url("/send", "SEC123", timestamp_ms=int(query["timestamp"][0]))
    assert urllib.parse.parse_qs(urllib.parse.urlparse(expected).query)["sign"] == query["sign"]
    assert http_server.requests[0].body == {"msgtype": "text", "text": {"content": "巡逻提醒\n今晚8点"}}


def test_email_channel_uses_the_mail_backend(mailoutbox):
    user = UserFactory(email="duty@example.org")
    mail = OutboundChannel.objects.create(name="mail", kind=OutboundChannel.Kind.EMAIL)
    notification_send(recipient=user, title="周报", body="见附件", channels=[mail])
    message = OutboundMessage.objects.get()
    assert outbound_message_deliver(message_id=message.pk).outcome == "sent"
    assert [(m.subject, m.to) for m in mailoutbox] == [("周报", ["duty@example.org"])]


def test_person_without_phone_gets_the_inbox_item_but_no_sms(http_server):
    user = UserFactory()
    notification_send(recipient=user, title="A", channels=[channel(http_server)])
    assert Notification.objects.filter(recipient=user).count() == 1
    assert OutboundMessage.objects.count() == 0


def test_sweep_offers_lost_messages_again_and_frees_dead_claims(http_server, settings, run_on_commit):
    robot = channel(http_server, kind=OutboundChannel.Kind.WECOM)
    lost = broadcast_send(channel=robot, subject="lost", body="", idempotency_key="lost-1")
    stuck = broadcast_send(channel=robot, subject="stuck", body="", idempotency_key="stuck-1")
    fresh = broadcast_send(channel=robot, subject="fresh", body="", idempotency_key="fresh-1")
    later = timezone.now() + dt.timedelta(minutes=10)
    OutboundMessage.objects.filter(pk=fresh.pk).update(created_at=later)
    OutboundMessage.objects.filter(pk=stuck.pk).update(
        status=S.SENDING, claimed_at=timezone.now(), attempts=1
    )
    with time_machine.travel(later, tick=False), run_on_commit():
        assert outbound_sweep() == 1  # `lost`; `stuck` is released now and offered on the next sweep
    assert OutboundMessage.objects.get(pk=lost.pk).status == S.SENT
    assert OutboundMessage.objects.get(pk=stuck.pk).status == S.PENDING
    assert OutboundMessage.objects.get(pk=fresh.pk).status == S.PENDING
    with time_machine.travel(later + dt.timedelta(minutes=2), tick=False), run_on_commit():
        assert outbound_sweep() == 1
    assert OutboundMessage.objects.get(pk=stuck.pk).status == S.SENT
    assert [r.body["text"]["content"] for r in http_server.requests] == ["lost", "stuck"]


def test_marking_read_twice_changes_nothing_the_second_time():
    user = UserFactory()
    for i in range(3):
        notification_send(recipient=user, title=f"n{i}")
    other = UserFactory()
    theirs = notification_send(recipient=other, title="not yours")
    assert notification_mark_read(user=user, notification_ids=[theirs.pk]) == 0
    assert notification_mark_read(user=user) == 3
    assert notification_mark_read(user=user) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_backoff_doubles_and_is_capped(settings):
    settings.NOTIFY_RETRY_BACKOFF_SECONDS = 10
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [10.0, 20.0, 40.0, 80.0]
    assert retry_delay(20) == 3600.0


def test_broker_down_at_commit_loses_nothing_and_the_sweep_sends_later(
    http_server, run_on_commit, monkeypatch
):
    from kombu.exceptions import OperationalError

    from governance.tasks import deliver_outbound_message_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    robot = channel(http_server, kind=OutboundChannel.Kind.WECOM)
    with monkeypatch.context() as m:
        m.setattr(deliver_outbound_message_task, "delay", broker_down)
        with run_on_commit():
            message = broadcast_send(
                channel=robot, subject="断线演练", body="", idempotency_key="broker-down"
            )
    assert OutboundMessage.objects.get(pk=message.pk).status == S.PENDING
    assert http_server.requests == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10), tick=False), run_on_commit():
        assert outbound_sweep() == 1
    assert OutboundMessage.objects.get(pk=message.pk).status == S.SENT
    assert len(http_server.requests) == 1
