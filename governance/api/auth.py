"""``POST /api/v1/auth/token/``: a new token for a username and password, counted by the lockout
like the login page, limited per address (``auth-token`` rate), and with the authenticator's code
(``otp``) for the roles that must use two factors. The token expires (``expiry``); see
governance/services/tokens.py."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api.errors import error_body
from governance.api.throttles import TokenIssueThrottle
from governance.lockout import LOCKOUT_STATUS, lockout_message
from governance.services.tokens import api_token_issue
from governance.two_factor import two_factor_required


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(read_only=True, help_text="The token is refused from then on.")


class TokenObtainView(ObtainAuthToken):
    """DRF's token view (its username and password serializer and schema), issuing a knox token,
    with the answer of a locked-out account (429, ``locked_out``) and the second factor.

    Axes marks the DRF request (the one handed to ``authenticate``) as locked out; its middleware
    only sees the Django request, so the view answers itself.
    """

    throttle_classes = [TokenIssueThrottle]
    # The credentials are in the body: an expired token still sent in the header must not stand in
    # the way of a new one.
    authentication_classes: list[type] = []

    @extend_schema(responses={200: TokenIssuedSerializer})
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
        token, key = api_token_issue(user=user)
        return Response(TokenIssuedSerializer({"token": key, "expiry": token.expiry}).data)

    def _locked_out(self, request: Request) -> Response:
        return Response(error_body("locked_out", lockout_message(request._request)), status=LOCKOUT_STATUS)
