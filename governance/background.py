"""Side effects wait for the commit: the one helper every service uses to enqueue work, the base
class of every task, and the outbox of tasks the broker could not take."""

from __future__ import annotations

import logging
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Task, current_app
from django.db import InterfaceError, OperationalError, transaction
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

# What a broker that is down or unreachable raises when a task is published.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def on_commit_delay(name: str, *args: Any, **kwargs: Any) -> None:
    """Enqueue the task registered as ``name`` once the current transaction commits (at once
    outside a transaction).

    A bare ``.delay()`` inside a transaction lets a worker run before the row exists, or for a
    row that is rolled back. If the broker is down, the committed request still succeeds: the task
    is written to the outbox (``PendingTask``) and published again by ``pending_tasks_publish``
    once the broker answers, so nothing is lost. ``robust``: any other failure is logged, never
    turned into a failed request for a write that has already committed.

    A service names its task (``"stations.notify_new_order"``) rather than importing it: the tasks
    module imports the services it adapts, and a service importing its task back would close an
    import circle (``tests/governance/test_layering.py``). The name is looked up now, so a name
    that no task declares fails the call that gave it, not a commit hook.
    """
    task = task_named(name)
    transaction.on_commit(lambda: task_publish(task, args, kwargs), robust=True)


def on_commit_delay_by(name: str, countdown: float, *args: Any, **kwargs: Any) -> None:
    """``on_commit_delay`` with the task run ``countdown`` seconds after the commit (a debounce).
    A task the broker refuses goes to the outbox like any other, and runs once it is back."""
    task = task_named(name)
    transaction.on_commit(lambda: task_publish(task, args, kwargs, countdown=countdown), robust=True)


def task_named(name: str) -> Task:
    """The task registered as ``name``, as the app's own object, so that ``delay`` honours
    ``task_always_eager`` (``send_task`` would publish to the broker whatever the setting).

    Nothing in a web process imports a tasks module (services name their tasks), and Celery
    imports them only when a worker starts: the first name it does not know has every installed
    app's ``tasks`` module imported, as the worker's autodiscovery does, without the system
    checks Celery's own ``import_default_modules`` would run inside a request.
    """
    registry = current_app.tasks
    if name not in registry:
        autodiscover_modules("tasks")
    return registry[name]  # celery.exceptions.NotRegistered for a name no task declares


def task_publish(
    task: Task, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any], *, countdown: float | None = None
) -> None:
    try:
        if countdown:
            task.apply_async(args=tuple(args), kwargs=kwargs, countdown=countdown)
        else:
            task.delay(*args, **kwargs)
    except BROKER_ERRORS as exc:
        from governance.middleware import request_id_var
        from governance.models import PendingTask

        logger.warning("broker down, task %s kept in the outbox: %s", task.name, exc)
        PendingTask.objects.create(
            name=task.name,
            args=list(args),
            kwargs=kwargs,
            headers={"request_id": request_id_var.get()},
            error=str(exc)[:500],
        )


def pending_tasks_publish(*, limit: int = 500) -> int:
    """Publish again the tasks the broker refused. Rows are locked with SKIP LOCKED, so two sweeps
    (two beats by mistake) never publish the same row at once; a row is deleted in the transaction
    that published it. If the commit fails after the publish, the task is published once more on
    the next sweep, which its idempotency makes harmless. Returns how many were published."""
    from governance.models import PendingTask

    published = 0
    with transaction.atomic():
        rows = list(PendingTask.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        done: list[int] = []
        for row in rows:
            try:
                current_app.send_task(row.name, args=row.args, kwargs=row.kwargs, headers=row.headers)
            except BROKER_ERRORS as exc:
                logger.warning(
                    "broker still down, %d tasks wait in the outbox: %s", len(rows) - published, exc
                )
                break
            done.append(row.pk)
            published += 1
        PendingTask.objects.filter(pk__in=done).delete()
    return published


class PlatformTask(Task):
    """Base of every task of the platform (``Celery(task_cls=...)``).

    A lost database connection (PostgreSQL restarting, a fail-over) is transient: the task is
    retried with backoff instead of being acknowledged as failed and lost. Every task is
    idempotent, so running it again after a partial attempt is safe (its transaction rolled back).
    Celery's Django fix-up closes the dead connection before the next attempt, which reconnects.
    """

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 12
