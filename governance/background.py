"""Side effects wait for the commit: the one helper every service uses to enqueue work."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction


def on_commit_delay(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task`` once the current transaction commits (at once outside a transaction).

    A bare ``.delay()`` inside a transaction lets a worker run before the row exists, or for a
    row that is rolled back. ``robust``: if the broker is down, the committed request still
    succeeds (the error is logged); the periodic sweeps find the rows whose work was never
    enqueued and offer them again, so nothing is lost.
    """
    transaction.on_commit(lambda: task.delay(*args, **kwargs), robust=True)
