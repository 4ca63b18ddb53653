"""Two-factor pages: set up an authenticator (first time), and enter its code after logging in."""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from governance.errors import ValidationFailed
from governance.services.two_factor import totp_device_confirm

_SETUP_KEY = "two_factor_setup_key"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Show the secret to type into an authenticator app, then take its first code."""
    if user_has_device(request.user):
        return redirect("two-factor-verify")
    key = request.session.get(_SETUP_KEY) or random_hex(20)
    request.session[_SETUP_KEY] = key
    error, status = "", 200
    if request.method == "POST":
        try:
            device = totp_device_confirm(actor=request.user, key=key, token=request.POST.get("token", ""))  # type: ignore[arg-type]
        except ValidationFailed as exc:
            error, status = exc.fields["token"][0], 400
        else:
            del request.session[_SETUP_KEY]
            otp_login(request, device)
            return redirect(_next(request))
    unsaved = TOTPDevice(user=request.user, name="authenticator", key=key)  # for its otpauth:// link
    context = {
        "secret": base64.b32encode(bytes.fromhex(key)).decode(),
        "config_url": unsaved.config_url,
        "error": error,
        "next": _next(request),
    }
    return render(request, "registration/two_factor_setup.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Enter the current code; a wrong one is refused, and repeated wrong ones slow down (django-otp)."""
    if not user_has_device(request.user):
        return redirect("two-factor-setup")
    error, status = "", 200
    if request.method == "POST":
        device = match_token(request.user, (request.POST.get("token") or "").strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        error, status = _("The code is not right. Enter the 6-digit code your authenticator shows now."), 400
    context = {"error": error, "next": _next(request)}
    return render(request, "registration/two_factor_verify.html", context, status=status)
