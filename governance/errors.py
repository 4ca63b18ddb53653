"""One error hierarchy for every app.

Services raise these; the API turns them into one JSON shape (``governance.api.errors``) and
HTML views into a message. ``fields`` carries field-level messages where the error has them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django import forms


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


class Throttled(DomainError):
    """Too many requests of a kind in a window (exact searches by personal data, for one)."""

    code = "throttled"
    http_status = 429


class IdempotencyKeyReused(DomainError):
    """A key sent again with other content (the IETF Idempotency-Key draft answers 422)."""

    code = "idempotency_key_reused"
    http_status = 422


def error_text(exc: DomainError) -> str:
    """A refusal as one message for a page: its text, then what its field messages add."""
    detail = " ".join(m for messages in exc.fields.values() for m in messages if m not in exc.message)
    return f"{exc.message} {detail}".strip()


def form_add_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """A refusal put back on the form that asked: each field message on its field (above the
    form when the form has no such field), the refusal's text above the form when it has none."""
    for name, messages in exc.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)
