"""Structured logs: one JSON object per line, each carrying the request id.

The id is given to a request by ``RequestContextMiddleware``; a task enqueued by that request
carries it in a message header (``before_task_publish``) and the worker puts it back in the same
context variable while the task runs (``task_prerun``), so one grep follows an alert from the HTTP
request through every task it caused. A task started by beat gets an id of its own.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)

from governance.middleware import request_id_var

# LogRecord attributes that are not "extra" fields given by the caller.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "taskName"}


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", "") or request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and not headers.get("request_id"):
        request_id = request_id_var.get()
        if request_id:
            headers["request_id"] = request_id


_task_tokens: dict[str, Any] = {}


@task_prerun.connect
def _restore_request_id(task_id: str = "", task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    request_id = (
        getattr(request, "request_id", None)
        or (getattr(request, "headers", None) or {}).get("request_id")
        or f"task-{task_id}"
    )
    _task_tokens[task_id] = request_id_var.set(str(request_id)[:64])


@task_postrun.connect
def _forget_request_id(task_id: str = "", **_: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id_var.reset(token)


def _structure_celery_handlers(logger: logging.Logger | None = None, **_: Any) -> None:
    """Celery sets up its own handlers in the worker; give them the request id and, where the
    settings ask for JSON, the JSON format."""
    from django.conf import settings

    if logger is None:
        return
    for handler in logger.handlers:
        handler.addFilter(RequestIdFilter())
        if getattr(settings, "LOG_FORMAT", "plain") == "json":
            handler.setFormatter(JsonFormatter())


after_setup_logger.connect(_structure_celery_handlers, weak=False)
after_setup_task_logger.connect(_structure_celery_handlers, weak=False)
