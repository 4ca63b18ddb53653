"""One error shape for the whole API:

``{"error": {"code": "invalid", "message": "...", "fields": {"code": ["..."]}}}``
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import DomainError


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def refused_request(exc: Exception | None) -> tuple[dict[str, Any], int]:
    """The API's answer (body, status) to a request Django refuses as it reads it: a body past
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413; anything else (too many fields, a bad host) 400."""
    if isinstance(exc, RequestDataTooBig):
        megabytes = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / (1024 * 1024)
        message = _("The request is too large: send at most %(size)s MB.") % {"size": f"{megabytes:g}"}
        return error_body("too_large", message), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    return error_body("invalid", _("The request is not valid.")), status.HTTP_400_BAD_REQUEST


def _flatten(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {k: [str(x) for x in v] if isinstance(v, list) else _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(x) for x in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, SuspiciousOperation):
        # A body past DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields), met when the view reads
        # it; logged where Django logs it when it answers itself (handler400 otherwise).
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        body, http_status = refused_request(exc)
        return Response(body, status=http_status)
    if isinstance(exc, DataError):
        # The database refused a value the serializers let through (a time zone offset beyond
        # +-15:59, a number past bigint): the request is wrong, not the server.
        return Response(error_body("invalid", _("A value in the request is out of range.")), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("The request is not valid."), _flatten(exc.detail))
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(exc.detail))
    return response
