"""The idle timeout of sessions: a session ends ``SESSION_COOKIE_AGE`` seconds after the last
request, not after the login.

Django's ``SESSION_SAVE_EVERY_REQUEST`` would do it by writing the session on every request (the
station board polls every three seconds); instead the session is written again only when its
last refresh is ``SESSION_REFRESH_SECONDS`` old, so the timeout is exact to that margin and a busy
page costs no write.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REFRESHED_KEY = "_refreshed_at"


def mark_refreshed(*, request: HttpRequest | None, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the login writes the session anyway; note the time in it."""
    if request is not None and hasattr(request, "session"):
        request.session[REFRESHED_KEY] = int(time.time())


class SessionIdleMiddleware:
    """After the authentication middleware: pushes a logged-in session's end forward."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            refreshed = request.session.get(REFRESHED_KEY)
            if not isinstance(refreshed, int) or now - refreshed >= settings.SESSION_REFRESH_SECONDS:
                # Modified: the session middleware saves it with a new expiry (now + the age).
                request.session[REFRESHED_KEY] = now
        return self.get_response(request)
