"""Login throttling: the authentication backend that refuses locked-out accounts, and the answer a
locked-out login gets (the login page with a message, or the API's error shape).

The counting itself is django-axes (settings ``AXES_*``): failed logins per username, a lockout
after ``LOGIN_FAILURE_LIMIT`` failures for ``LOGIN_LOCKOUT_MINUTES``; an administrator lifts it by
deleting the access attempt in the admin.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from governance.api.errors import error_body

LOCKOUT_STATUS = 429


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend, except that a call without a request is let through to the next backend.

    Every login the platform offers passes the request (the login page, the admin, the API token
    endpoint), so the lockout applies to all of them; only in-process calls without a request
    (``Client.login`` in tests, shell use) are not counted.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_message(request: HttpRequest) -> str:
    cool_off = get_cool_off(request)
    if cool_off is None:
        return _("This account is locked after too many failed logins. Ask an administrator to unlock it.")
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return _(
        "This account is locked after too many failed logins. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock it."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The answer to a login attempt on a locked account (``AXES_LOCKOUT_CALLABLE``)."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", message), status=LOCKOUT_STATUS)
    # An unbound form: the lockout message is the only error shown, and the username stays typed.
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "lockout_message": message, "next": request.POST.get("next", "")},
        status=LOCKOUT_STATUS,
    )
