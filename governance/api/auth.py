"""``POST /api/v1/auth/token/``: a token for a username and password, throttled like the login page,
and with the authenticator's code (``otp``) for the roles that must use two factors."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext as _
from django_otp import match_token
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.errors import error_body
from governance.lockout import LOCKOUT_STATUS, lockout_message
from governance.two_factor import two_factor_required


class TokenObtainView(ObtainAuthToken):
    """DRF's token view, with the answer of a locked-out account (429, ``locked_out``) and the
    second factor.

    Axes marks the DRF request (the one handed to ``authenticate``) as locked out; its middleware
    only sees the Django request, so the view answers itself.
    """

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = str(request.data.get("username", "")) if hasattr(request.data, "get") else ""
        if username and not AxesProxyHandler.is_allowed(request._request, {"username": username}):
            return self._locked_out(request)
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return self._locked_out(request)
            raise
        user = serializer.validated_data["user"]
        otp = str(request.data.get("otp", "")).strip()
        # An absent code is not a wrong one: it does not count towards django-otp's throttling.
        if two_factor_required(user) and (not otp or match_token(user, otp) is None):
            message = _("Your role needs a second factor: send the code of your authenticator as otp.")
            return Response(error_body("two_factor_required", message), status=status.HTTP_403_FORBIDDEN)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    def _locked_out(self, request: Request) -> Response:
        return Response(error_body("locked_out", lockout_message(request._request)), status=LOCKOUT_STATUS)
