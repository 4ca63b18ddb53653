"""The API's rate limits (DRF throttling; rates in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``):
requests per person, per address for anonymous callers, and per address on the token endpoint.

The counts live in the shared cache (Redis in production), so that every web process counts the
same requests. Should the cache be out of reach, a request is let through: the limits bound abuse,
they are not what keeps the data safe (the permissions are), and an outage of the cache must not
take the hotline systems' API down with it.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

log = logging.getLogger(__name__)


class _RatesFromSettings(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # DRF binds the rates once, at import; read them per request instead, so that the settings
        # in force (a deployment's, a test's) decide.
        rate: str | None = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[assignment,arg-type]
        return rate

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            log.warning("API throttle counter unavailable; request let through", exc_info=True)
            return True


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Requests of one person (rate ``user``); anonymous callers count per address."""


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Requests of anonymous callers, per address (rate ``anon``)."""


class TokenIssueThrottle(_RatesFromSettings):
    """``POST /api/v1/auth/token/`` per address (rate ``auth-token``), whoever asks: the lockout
    counts failures per username and address, this bounds one address trying many usernames."""

    scope = "auth-token"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
