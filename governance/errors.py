"""One error hierarchy for every app.

Services raise these; the API turns them into one JSON shape (``governance.api.errors``) and
HTML views into a message. ``fields`` carries field-level messages where the error has them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    http_status = 400

    def __init__(self, message: Any, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.fields = fields or {}


class ValidationFailed(DomainError):
    code = "invalid"


class InvalidTransition(DomainError):
    code = "invalid_transition"
    http_status = 409


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403
