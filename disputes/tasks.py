"""Celery adapters of the disputes app (queue ``default``): ids in, re-fetch, call the app."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="disputes.notify_registered", acks_late=True)
def notify_registered_task(dispute_id: int) -> int:
    from disputes import notifications

    return notifications.notify_registered(dispute_id=dispute_id)


@shared_task(name="disputes.notify_escalated", acks_late=True)
def notify_escalated_task(dispute_ids: list[int]) -> int:
    from disputes import notifications

    return sum(notifications.notify_escalated(dispute_id=pk) for pk in dispute_ids)


@shared_task(name="disputes.notify_assigned", acks_late=True)
def notify_assigned_task(assignment_id: int) -> int:
    from disputes import notifications

    return notifications.notify_assigned(assignment_id=assignment_id)


@shared_task(name="disputes.notify_task", acks_late=True)
def notify_task_task(task_id: int) -> int:
    from disputes import notifications

    return notifications.notify_case_task(task_id=task_id)


@shared_task(name="disputes.notify_reminders", acks_late=True)
def notify_reminders_task(kind: str, ids: list[int]) -> int:
    from disputes import notifications

    return notifications.notify_reminders(kind=kind, ids=ids)


@shared_task(name="disputes.escalation_sweep", acks_late=True)
def escalation_sweep_task() -> int:
    from disputes.services.deadlines import escalation_sweep

    return escalation_sweep()


@shared_task(name="disputes.reminder_sweep", acks_late=True)
def reminder_sweep_task() -> dict[str, int]:
    from disputes.services.deadlines import reminder_sweep

    return reminder_sweep()


@shared_task(name="disputes.retention_sweep", acks_late=True)
def retention_sweep_task() -> int:
    from disputes.services.retention import disputes_anonymise_expired

    return disputes_anonymise_expired()
