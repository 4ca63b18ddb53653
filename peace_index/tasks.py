"""Celery adapters of the peace index, all on the ``scores`` queue (governance.celery routes
``peace_index.*`` there): ids and ISO dates in, the services decide."""

from __future__ import annotations

from datetime import date

from celery import shared_task


@shared_task(name="peace_index.recompute_run", acks_late=True)
def recompute_run_task(run_id: int) -> int:
    from peace_index.services import recompute_run

    run = recompute_run(run_id=run_id)
    return run.scores_written if run else 0


@shared_task(name="peace_index.recompute_pending", acks_late=True)
def recompute_pending_task(county_id: int, month: str) -> int:
    from peace_index.services import recompute_pending

    return recompute_pending(county_id=county_id, month=date.fromisoformat(month))


@shared_task(name="peace_index.events_sweep", acks_late=True)
def events_sweep_task() -> int:
    from peace_index.services import events_sweep

    return events_sweep()


@shared_task(name="peace_index.scheduled_recompute", acks_late=True)
def scheduled_recompute_task() -> int:
    from peace_index.services import scheduled_recompute

    return scheduled_recompute()
