"""Per-request context (request id, client IP) for the audit trail."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

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
        request_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(ip)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(request_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response
