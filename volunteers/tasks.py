"""Celery adapters of the volunteers app (queue ``default``): ids in, re-fetch, call the app."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="volunteers.star_recompute", acks_late=True)
def star_recompute_task(volunteer_ids: list[int] | None = None) -> int:
    from volunteers.services.stars import star_recompute

    return star_recompute(volunteer_ids=volunteer_ids)


@shared_task(name="volunteers.generate_occurrences", acks_late=True)
def generate_occurrences_task(task_id: int) -> int:
    from volunteers.services.publishing import occurrences_generate

    return occurrences_generate(task_id=task_id)


@shared_task(name="volunteers.occurrences_sweep", acks_late=True)
def occurrences_sweep_task() -> int:
    from volunteers.services.publishing import occurrences_sweep

    return occurrences_sweep()


@shared_task(name="volunteers.notify_task_published", acks_late=True)
def notify_task_published_task(task_id: int) -> int:
    from volunteers import notifications

    return notifications.notify_task_published(task_id=task_id)


@shared_task(name="volunteers.notify_task_changed", acks_late=True)
def notify_task_changed_task(task_id: int, version: int) -> int:
    from volunteers import notifications

    return notifications.notify_task_changed(task_id=task_id, version=version)


@shared_task(name="volunteers.notify_task_cancelled", acks_late=True)
def notify_task_cancelled_task(task_id: int) -> int:
    from volunteers import notifications

    return notifications.notify_task_cancelled(task_id=task_id)


@shared_task(name="volunteers.points_expire", acks_late=True)
def points_expire_task() -> int:
    from volunteers.services.points import points_expire

    return points_expire()


@shared_task(name="volunteers.notify_verified", acks_late=True)
def notify_verified_task(claim_id: int) -> int:
    from volunteers import notifications

    return notifications.notify_verified(claim_id=claim_id)


@shared_task(name="volunteers.notify_reminders", acks_late=True)
def notify_reminders_task(claim_ids: list[int]) -> int:
    from volunteers import notifications

    return notifications.notify_reminders(claim_ids=claim_ids)


@shared_task(name="volunteers.reminder_sweep", acks_late=True)
def reminder_sweep_task() -> int:
    from volunteers.services.claims import reminder_sweep

    return reminder_sweep()
