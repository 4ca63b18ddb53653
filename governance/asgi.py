"""The production entry point (``gunicorn governance.asgi:application -k uvicorn_worker.UvicornWorker``).

A view written ``async`` (the station's live channel) is served on the event loop by Django's
ASGI handler: an open stream holds no thread. Every other request goes, as before, to the WSGI
application in a pool of threads (``a2wsgi``): Django's ASGI handler would run all synchronous
views of a process in one thread, one after another. So open dashboards never take a thread from
the pages, however many there are (``tests/integration/test_asgi_streams.py``).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.local")
on_the_loop = get_asgi_application()  # sets Django up first

from a2wsgi import WSGIMiddleware  # noqa: E402
from asgiref.sync import iscoroutinefunction  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

# Threads for the synchronous pages, per process (gunicorn's gthread setting it replaces).
PAGE_THREADS = int(os.environ.get("WEB_THREADS", "32"))
in_threads = WSGIMiddleware(get_wsgi_application(), workers=PAGE_THREADS)  # type: ignore[arg-type]


def served_on_the_loop(path: str) -> bool:
    """Whether the view of ``path`` is asynchronous."""
    try:
        return iscoroutinefunction(resolve(path).func)
    except Resolver404:
        return False


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
    elif scope["type"] == "http" and served_on_the_loop(scope["path"]):
        await on_the_loop(scope, receive, send)
    else:
        await in_threads(scope, receive, send)  # type: ignore[arg-type]
