"""Two-factor authentication (TOTP with django-otp): optional for everyone, required for the roles
listed in ``OTP_REQUIRED_ROLES`` ("staff" for the Django admin's users).

A user who must use it and has not proved a code in this session reaches only the two-factor
pages and logout: an HTML page redirects there (to set up an authenticator the first time), a
session API call is refused with ``two_factor_required``. Token API clients prove a code when they
get their token (governance/api/auth.py). An administrator resets a lost phone by deleting the
person's device in the admin (OTP_TOTP › TOTP devices).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from governance.actors import Actor
from governance.api.errors import error_body
from governance.selectors import jurisdiction_for

STAFF = "staff"
# Reachable before the second factor: the two-factor pages themselves, logging out, the language
# switch, static files and the load balancer's probes.
_OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/accounts/login/", "/i18n/", "/static/")
_OPEN_PATHS = ("/healthz", "/readyz")


def two_factor_required(user: Actor) -> bool:
    required = set(settings.OTP_REQUIRED_ROLES)
    if not required or user is None or not user.is_authenticated:
        return False
    if STAFF in required and (user.is_staff or user.is_superuser):
        return True
    return any(m.role in required for m in jurisdiction_for(user).memberships)


def _open(path: str) -> bool:
    return path.startswith(_OPEN_PREFIXES) or path in _OPEN_PATHS


class TwoFactorMiddleware:
    """After django-otp's middleware (which tells whether this session proved a code)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not _open(request.path)
            and not user.is_verified()  # type: ignore[attr-defined]  # installed by django-otp
            and two_factor_required(user)
        ):
            if request.path.startswith("/api/"):
                message = _("Your role needs a second factor: enter the code of your authenticator first.")
                return JsonResponse(error_body("two_factor_required", message), status=403)
            page = "two-factor-verify" if user_has_device(user) else "two-factor-setup"
            return redirect(f"{reverse(page)}?next={quote(request.get_full_path())}")
        return self.get_response(request)
