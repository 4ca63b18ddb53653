"""The in-app inbox and outbound delivery.

Delivery runs in Celery after commit. A message is sent at most once: a worker claims it with a
conditional update (PENDING -> SENDING) before calling the channel, so a repeated or duplicated
task finds nothing to do. Transient failures go back to PENDING with an exponential backoff until
the attempt budget is spent, then the message is FAILED and stays visible to administrators.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from governance.actors import Actor
from governance.background import on_commit_delay
from governance.channels import SENDERS, PermanentDeliveryError, TransientDeliveryError
from governance.models import DeliveryAttempt, Notification, OutboundChannel, OutboundMessage, Profile
from governance.services.audit import audit_record

# Celery's countdown and our stored due time come from two clock reads; tolerate the gap.
_DUE_TOLERANCE = timedelta(seconds=2)


@transaction.atomic
def notification_send(
    *,
    recipient: User,
    title: str,
    body: str = "",
    link: str = "",
    kind: str = "system",
    idempotency_key: str | None = None,
    channels: Iterable[OutboundChannel] = (),
) -> Notification:
    """Put a message in ``recipient``'s inbox and queue it on each of ``channels``.

    Sending the same ``idempotency_key`` again returns the first notification and sends nothing.
    """
    if idempotency_key:
        existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                title=title[:200],
                body=body,
                link=link,
                kind=kind,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # A concurrent sender with the same key won; its notification is the one.
        return Notification.objects.get(idempotency_key=idempotency_key)
    for channel in channels:
        if not channel.enabled:
            continue
        address = ""
        if channel.kind == OutboundChannel.Kind.SMS:
            phones = Profile.objects.filter(user_id=recipient.pk).values_list("phone", flat=True)
            address = phones.first() or ""
        elif channel.kind == OutboundChannel.Kind.EMAIL:
            address = getattr(recipient, "email", "")
        if channel.addresses_people and not address:
            continue  # nobody to reach on this channel; the inbox still has it
        _queue(
            channel=channel,
            notification=notification,
            address=address,
            subject=title,
            body=f"{body}\n{link}".strip(),
            idempotency_key=f"notification:{notification.pk}:channel:{channel.pk}",
        )
    audit_record(
        actor=None, verb="notification.send", target=notification, changes={"recipient": [None, recipient.pk]}
    )
    return notification


@transaction.atomic
def broadcast_send(
    *, channel: OutboundChannel, subject: str, body: str, idempotency_key: str
) -> OutboundMessage:
    """Post to a group channel (a WeCom or DingTalk robot). Idempotent on ``idempotency_key``."""
    existing = OutboundMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    return _queue(
        channel=channel,
        notification=None,
        address="",
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
    )


def _queue(
    *,
    channel: OutboundChannel,
    notification: Notification | None,
    address: str,
    subject: str,
    body: str,
    idempotency_key: str,
) -> OutboundMessage:
    message = OutboundMessage.objects.create(
        channel=channel,
        notification=notification,
        address=address,
        subject=subject[:200],
        body=body,
        idempotency_key=idempotency_key,
    )
    on_commit_delay("governance.deliver_outbound_message", message.pk)
    return message


@transaction.atomic
def notification_mark_read(*, user: Actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids are given). Returns how many
    changed; marking again changes nothing."""
    qs = Notification.objects.filter(recipient_id=user.pk if user else None, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@dataclass(frozen=True)
class DeliveryResult:
    outcome: str  # "sent", "retry", "failed", "skipped"
    retry_in: float | None = None


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: exponential, capped at an hour."""
    return float(min(settings.NOTIFY_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600))


def outbound_message_deliver(*, message_id: int, now: datetime | None = None) -> DeliveryResult:
    """Try to send one outbound message once. Safe to call any number of times."""
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + _DUE_TOLERANCE)
    claimed = (
        OutboundMessage.objects.filter(due, pk=message_id, status=OutboundMessage.Status.PENDING).update(
            status=OutboundMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
        == 1
    )
    if not claimed:
        return DeliveryResult("skipped")
    message = OutboundMessage.objects.select_related("channel").get(pk=message_id)
    started = time.monotonic()
    error, http_status, outcome = "", None, DeliveryAttempt.Outcome.SENT
    if not message.channel.enabled:
        error, outcome = "channel disabled", DeliveryAttempt.Outcome.PERMANENT_ERROR
    else:
        # The HTTP call happens outside any transaction: no row lock is held while we wait.
        try:
            SENDERS[message.channel.kind](message.channel, message)
        except TransientDeliveryError as exc:
            error, http_status, outcome = str(exc), exc.http_status, DeliveryAttempt.Outcome.TRANSIENT_ERROR
        except PermanentDeliveryError as exc:
            error, http_status, outcome = str(exc), exc.http_status, DeliveryAttempt.Outcome.PERMANENT_ERROR
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record_attempt(
        message, outcome=outcome, error=error, http_status=http_status, duration_ms=duration_ms, now=now
    )


@transaction.atomic
def _record_attempt(
    message: OutboundMessage,
    *,
    outcome: str,
    error: str,
    http_status: int | None,
    duration_ms: int,
    now: datetime,
) -> DeliveryResult:
    DeliveryAttempt.objects.create(
        message=message,
        number=message.attempts,
        outcome=outcome,
        http_status=http_status,
        error=error[:2000],
        duration_ms=duration_ms,
    )
    S = OutboundMessage.Status
    update: dict[str, object] = {"last_error": error[:2000], "updated_at": now, "claimed_at": None}
    result: DeliveryResult
    if outcome == DeliveryAttempt.Outcome.SENT:
        update |= {"status": S.SENT, "sent_at": timezone.now(), "next_attempt_at": None}
        result = DeliveryResult("sent")
    elif (
        outcome == DeliveryAttempt.Outcome.TRANSIENT_ERROR and message.attempts <= settings.NOTIFY_MAX_RETRIES
    ):
        delay = retry_delay(message.attempts)
        update |= {"status": S.PENDING, "next_attempt_at": now + timedelta(seconds=delay)}
        result = DeliveryResult("retry", retry_in=delay)
    else:
        update |= {"status": S.FAILED, "next_attempt_at": None}
        result = DeliveryResult("failed")
    OutboundMessage.objects.filter(pk=message.pk, status=S.SENDING).update(**update)
    return result


def outbound_sweep(*, now: datetime | None = None) -> int:
    """Offer again every message whose delivery task was lost: PENDING and overdue (the broker was
    down at commit, a retry vanished with its worker), or SENDING past its lease (the worker died
    mid-send). Returns how many were enqueued."""
    now = now or timezone.now()
    S = OutboundMessage.Status
    with transaction.atomic():
        OutboundMessage.objects.filter(
            status=S.SENDING, claimed_at__lt=now - settings.NOTIFY_SENDING_LEASE
        ).update(status=S.PENDING, claimed_at=None, next_attempt_at=now, updated_at=now)
        stale = now - settings.NOTIFY_STALE_AFTER
        overdue = OutboundMessage.objects.filter(status=S.PENDING).filter(
            Q(next_attempt_at__isnull=True, created_at__lt=stale)
            | Q(next_attempt_at__lt=now - timedelta(minutes=1))
        )
        ids = list(overdue.values_list("pk", flat=True)[:1000])
        for pk in ids:
            on_commit_delay("governance.deliver_outbound_message", pk)
    return len(ids)
