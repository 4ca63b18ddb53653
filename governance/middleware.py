"""Per-request context (request id, client IP) for the audit trail and the logs; the answer when
the database is unreachable."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Give every request an id (kept from ``X-Request-ID`` when well-formed) and remember the IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # REMOTE_ADDR is what the socket saw; behind nginx, the proxy sets it via uwsgi/gunicorn's
        # forwarded-allow-ips. We never trust X-Forwarded-For from the client directly.
        ip = request.META.get("REMOTE_ADDR") or None
        # Kept on the request too: Django logs the response (django.request) after this returns.
        request.request_id = request_id  # type: ignore[attr-defined]
        request_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(ip)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(request_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with a message: the database is restarting or unreachable. The transaction of the
    request was rolled back (atomic), so nothing was half-written; the client may try again
    (with the same Idempotency-Key for an intake, which then cannot create a second alert)."""
    from django.utils.translation import gettext as _

    message = _("The service is briefly unavailable (database unreachable). Nothing was saved; try again.")
    wants_json = request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get(
        "Accept", ""
    )
    response: HttpResponse
    if wants_json:
        from django.http import JsonResponse

        body = {"error": {"code": "service_unavailable", "message": message, "fields": {}}}
        response = JsonResponse(body, status=503)
    else:
        from django.utils.html import escape

        response = HttpResponse(
            f"<!doctype html><title>503</title><h1>503</h1><p>{escape(message)}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = "5"
    return response


class DatabaseUnavailableMiddleware:
    """A lost database connection (PostgreSQL restarting, a fail-over) answers 503 with a message
    instead of a 500. Errors raised outside views (a session saved after the view) reach the same
    answer through ``governance.views.server_error``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # The broken connection is not reused: Django closes an unusable connection when the
        # request finishes, and CONN_HEALTH_CHECKS tests a kept one before the next request.
        logger.warning("database unavailable: %s", exception)
        return database_unavailable_response(request)
