"""Celery adapters of the governance core: take ids, call a service."""

from __future__ import annotations

from celery import Task, shared_task
from django.db.models import F
from django.utils import timezone

from governance.background import pending_tasks_publish
from governance.models import Heartbeat
from governance.partitions import audit_partitions_ahead
from governance.services import notifications as notification_services


@shared_task(name="governance.deliver_outbound_message", bind=True, acks_late=True, max_retries=None)
def deliver_outbound_message_task(self: Task, message_id: int) -> str:
    result = notification_services.outbound_message_deliver(message_id=message_id)
    if result.retry_in is not None:
        # The service decided; the countdown only wakes us when the message is due again.
        raise self.retry(countdown=result.retry_in)
    return result.outcome


@shared_task(name="governance.sweep_outbound_messages", acks_late=True)
def sweep_outbound_messages_task() -> int:
    return notification_services.outbound_sweep()


@shared_task(name="governance.heartbeat", acks_late=True)
def heartbeat_task(name: str = "celery") -> None:
    """Record that the worker and beat are alive. Shown on /healthz."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(beat_at=now, count=F("count") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"beat_at": now, "count": 1})


@shared_task(name="governance.publish_pending_tasks", acks_late=True)
def publish_pending_tasks_task() -> int:
    """Hand to the broker the tasks it refused while it was down (``governance.background``)."""
    return pending_tasks_publish()


@shared_task(name="governance.audit_partitions_ahead", acks_late=True)
def audit_partitions_ahead_task() -> list[str]:
    """Create the audit trail's coming monthly partitions (``governance.partitions``); does
    nothing where the table is not partitioned."""
    return audit_partitions_ahead()
